"""Notices (個別通知): everyone the schedule engine finds due for a programme in a month, a
letter and a personal 予診票 each, printed for a window envelope, with the mailing list for the
print contractor. A room of its own because it prints the forms (ocr's field maps) for the
ledger's people: it may import models, accounts, ledger and ocr."""
