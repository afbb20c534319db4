"""A bold handwritten date whose binarised strip reads wrong for Tesseract: its gaps close
(a 5 read as 6 in every binary rendering), and Tesseract's own reading of the strip as
scanned confirms PP-OCR's."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ocr import FormSpec, ppocr
from ocr.cleanup import on_paper
from ocr.digits import _cell_glyphs, _compact_strip, _renderings, read_digits
from ocr.geometry import box_to_px
from ocr.template import blank_page

DPI = 300
ROW = Path(__file__).parents[2] / "data" / "date-row-bold.png"
"""The vaccination date box of a generated page (development seed 17020, page 109) as
registered, with 15 px around it: 2025-04-02 in a bold hand."""
MARGIN_PX = 15


def _page(spec: FormSpec) -> np.ndarray:
    page = np.array(blank_page(spec, DPI))
    x, y, w, h = box_to_px(spec.field("vaccination_date").box, DPI)
    page[y - MARGIN_PX:y + h + MARGIN_PX, x - MARGIN_PX:x + w + MARGIN_PX] = cv2.imread(
        str(ROW), cv2.IMREAD_GRAYSCALE)
    return page


def test_a_bold_date_is_confirmed_by_tesseract_reading_it_as_scanned(
        forms: dict[str, FormSpec]) -> None:
    spec = forms["child"]
    field = spec.field("vaccination_date")
    page = _page(spec)
    found = [glyph for row in field.digit_rows
             for glyph in _cell_glyphs(page, row.box, row.chars, DPI).glyphs]
    strip = _compact_strip([ink for ink, _ in found])
    seen = _compact_strip([seen for _, seen in found], paper=255)
    assert ppocr.read_line(on_paper(seen), "0123456789").text == "20250402"
    binary = [digits for digits, _ in _renderings(strip, single=False)]
    assert "20250402" not in binary, binary
    assert [digits for digits, _ in _renderings(strip, False, seen)][-1] == "20250402"
    value, confidence = read_digits(page, field, DPI)
    assert value == "2025-04-02" and confidence >= 0.9
