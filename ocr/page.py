"""Reads a whole page: register it onto its form, then read every field in form order."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from time import perf_counter

import numpy as np

from ocr.checkbox import read_check, read_choice, read_presence
from ocr.digits import read_digits
from ocr.fieldmap import FieldSpec, FormSpec
from ocr.geometry import box_to_px
from ocr.ocrline import read_ocr_line
from ocr.qrpayload import serial_of
from ocr.registration import is_bilevel, register, to_gray
from ocr.results import FieldReading, PageReading
from ocr.text import confirms_text, read_text, shown_reads
from ocr.visibility import HIDDEN_CAP, field_visible

BILEVEL_BLANK_CAP = 0.85
"""Confidence of a blank on a 1-bit scan: on reserved poor pages, pencil ticks and light
writing on fax pages vanished whole and 96 blanks were read as sure."""
MOST_READ_THREADS = 4
"""Past four threads a page's fields are too few to keep more busy."""
READ_WORKERS = max(1, min(MOST_READ_THREADS, len(os.sched_getaffinity(0))))
"""Fields are read concurrently: Tesseract and ONNX Runtime release the GIL while they
recognise. As many threads as cores this process may run on (its affinity), not as the
machine has: a reader confined to one core gains nothing from a second thread."""

Reader = Callable[[np.ndarray, FieldSpec, int], tuple[str, float]]
READERS: dict[str, Reader] = {
    "digits": read_digits,
    "date": read_digits,
    "text": read_text,
    "ocr_line": read_ocr_line,
}
MarkReader = Callable[[np.ndarray, FieldSpec, int, FormSpec], tuple[str, float]]
MARK_READERS: dict[str, MarkReader] = {
    "choice": read_choice,
    "check": read_check,
    "presence": read_presence,
}
"""Marks are told from the print by the blank form, so these readers are given the form."""


@cache
def _pool(pid: int, threads: int) -> ThreadPoolExecutor:
    """The reading threads of this process, kept from page to page because each holds its
    loaded Tesseract engines (ocr.tesseract); keyed by process id so that a forked worker
    makes its own instead of inheriting threads that did not survive the fork."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"ocr-read-{pid}")


def read_field(registered: np.ndarray, field: FieldSpec, dpi: int, spec: FormSpec,
               bilevel: bool = False) -> list[FieldReading]:
    """One field of a registered page, followed by the parts of its split (same box and
    confidence: a part is only as sure as the line it was cut from). A field that was not
    scanned (torn off, cut away) is never sure, whatever it reads as; nor is a blank on a
    `bilevel` scan, where light ink falls wholly below the scanner's black level."""
    if field.type in MARK_READERS:
        value, confidence = MARK_READERS[field.type](registered, field, dpi, spec)
    else:
        value, confidence = READERS[field.type](registered, field, dpi)
    if not field_visible(registered, spec, field, dpi):
        confidence = min(confidence, HIDDEN_CAP)
    if bilevel and (not value or (field.type in ("check", "presence") and value == "false")):
        confidence = min(confidence, BILEVEL_BLANK_CAP)
    confidence = round(max(0.0, min(1.0, confidence)), 3)
    box = box_to_px(field.box, dpi)
    parts = field.split_value(value).items()
    return [FieldReading(field.key, value, confidence, box),
            *(FieldReading(key, part, confidence, box) for key, part in parts)]


def read_page(image: np.ndarray, forms: Mapping[str, FormSpec], dpi: int = 300,
              threads: int = READ_WORKERS) -> PageReading:
    """Every field of the page's form, read by `threads` threads; RegistrationError if the
    page is not a known form."""
    started = perf_counter()
    gray = to_gray(image)
    registration = register(gray, forms, dpi)
    registered = perf_counter()
    spec = registration.spec
    bilevel = is_bilevel(gray)
    readings = _pool(os.getpid(), threads).map(
        lambda field: read_field(registration.image, field, dpi, spec, bilevel), spec.fields)
    fields = {reading.key: reading for group in readings for reading in group}
    timings = {"registration": registered - started, "recognition": perf_counter() - registered}
    return PageReading(spec.form_id, spec.version, fields, registration.image, dpi,
                       registration.fit_error_px, spec, timings,
                       serial_of(registration.qr_text), registration.homography)


def confirms(reading: PageReading, key: str, expected: str) -> bool:
    """Whether text field `key` of the read page shows `expected` (see ocr.text.confirms_text);
    False for a field that is not text."""
    field = next((f for f in reading.spec.fields if f.key == key and f.type == "text"), None)
    if field is None:
        return False
    if key not in reading.shown:
        reading.shown[key] = shown_reads(reading.registered, field, reading.dpi)
    return confirms_text(reading.registered, field, reading.dpi, expected, reading.shown[key])
