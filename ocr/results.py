"""What the recogniser returns for a page: values with confidences, and the registered image."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ocr.fieldmap import FormSpec


@dataclass(frozen=True)
class FieldReading:
    """One field's value in the truth-JSON string format, with how sure the reader is.

    `box` is in pixels of the registered image, so a review screen can crop the evidence.
    """

    key: str
    value: str
    confidence: float
    box: tuple[int, int, int, int]


@dataclass(frozen=True)
class PageReading:
    """A page placed onto its form and read; `fields` follows the form's order."""

    form_id: str
    form_version: int
    fields: dict[str, FieldReading]
    registered: np.ndarray
    dpi: int
    fit_error_px: float
    spec: FormSpec
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent registering the page and reading its fields, for `yoshin bench`."""
    serial: str = ""
    """A personal form's serial from its QR (ocr.qrpayload), "" for a blank form."""
    homography: np.ndarray | None = None
    """Maps the scan onto `registered`: a colour scan is straightened with it for the screens
    (the reader itself reads the gray page)."""
    shown: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    """Per text field, the values PP-OCR's own reads of it give (ocr.text.shown_reads), made
    on the first question whether the field shows a value (ocr.page.confirms): the records
    ask it of every doctor of a clinic, and the reads are the same for each."""
