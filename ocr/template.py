"""The blank form as the reader sees it: what the printer put on the page, so that what a
person wrote can be told apart from it (a circle around a printed label, a tick over a box
line) and so that a page can be fitted onto its form by the printed content alone."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np
from pdf2image import convert_from_path

from ocr.fieldmap import FormSpec

PRINT_LEVEL = 160
"""Gray level below which a pixel of the rendered blank form is print."""


@cache
def _render(pdf: Path, dpi: int) -> np.ndarray:
    page = convert_from_path(str(pdf), dpi=dpi, grayscale=True, first_page=1, last_page=1)[0]
    image = np.asarray(page.convert("L"), dtype=np.uint8)
    image.setflags(write=False)
    return image


def blank_page(spec: FormSpec, dpi: int) -> np.ndarray:
    """The blank form at `dpi` (gray, read-only, rendered once per process); ValueError when
    the field map has no PDF beside it."""
    if spec.blank_pdf is None:
        raise ValueError(f"form {spec.form_id}: no blank PDF beside its field map")
    return _render(spec.blank_pdf, dpi)


@cache
def _print_mask(pdf: Path, dpi: int, grow_px: int) -> np.ndarray:
    printed: np.ndarray = np.where(_render(pdf, dpi) < PRINT_LEVEL, 255, 0).astype(np.uint8)
    if grow_px:
        printed = cv2.dilate(printed, np.ones((2 * grow_px + 1, 2 * grow_px + 1), np.uint8))
    printed.setflags(write=False)
    return printed


def print_mask(spec: FormSpec, dpi: int, grow_px: int = 0) -> np.ndarray:
    """255 where the blank form is printed, grown by `grow_px` to absorb the registration's
    slack (a registered page lies within about 1-3 px of the form)."""
    if spec.blank_pdf is None:
        raise ValueError(f"form {spec.form_id}: no blank PDF beside its field map")
    return _print_mask(spec.blank_pdf, dpi, grow_px)
