"""The errors intake raises: refusals a person can read, each with the HTTP status it maps
to, so every check (a file's type, its size, a duplicate, a bulk file's line) can stop the
intake with its own message and the routes translate them all the same way."""

from __future__ import annotations


class Refused(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class UploadRejected(Refused):
    """An uploaded batch refused: nothing of it is kept."""


class AlreadyUploaded(UploadRejected):
    """The same file (by content) is already stored, in batch `batch_id`."""

    def __init__(self, message: str, batch_id: int) -> None:
        super().__init__(message, 409)
        self.batch_id = batch_id
