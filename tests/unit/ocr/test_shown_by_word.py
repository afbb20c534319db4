"""A name PP-OCR leaves a word of out whether read with its margin or without is shown when
each word is read alone: the records then see the clinic's doctor on the page."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ocr import FormSpec
from ocr.geometry import box_to_px
from ocr.template import blank_page
from ocr.text import confirms_text, read_text, shown_reads

DPI = 300
NAME = Path(__file__).parents[2] / "data" / "vaccinator-ohno.png"
"""The vaccinator's box of a generated page (development seed 17020, page 27) as
registered, with 15 px around it: 大野 恵美."""
MARGIN_PX = 15


def test_a_given_name_left_out_of_the_whole_line_is_shown_read_word_by_word(
        forms: dict[str, FormSpec]) -> None:
    spec = forms["child"]
    field = spec.field("vaccinator_name")
    page = np.array(blank_page(spec, DPI))
    x, y, w, h = box_to_px(field.box, DPI)
    page[y - MARGIN_PX:y + h + MARGIN_PX, x - MARGIN_PX:x + w + MARGIN_PX] = cv2.imread(
        str(NAME), cv2.IMREAD_GRAYSCALE)
    value, confidence = read_text(page, field, DPI)
    assert value == "大野" and confidence < 0.9
    assert "大野恵美" in shown_reads(page, field, DPI)
    assert confirms_text(page, field, DPI, "大野 恵美")
    for other in ("大野 恵子", "大野 美恵", "小野 恵美", "大野", "恵美", "川口 直子"):
        assert not confirms_text(page, field, DPI, other), other
