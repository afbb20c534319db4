"""A doctor's name PP-OCR leaves half out when read with the recognisers' white margin is
shown whole when read without it: the records then see the clinic's doctor on the page."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ocr import FormSpec
from ocr.geometry import box_to_px
from ocr.template import blank_page
from ocr.text import confirms_text, read_text

DPI = 300
NAME = Path(__file__).parents[2] / "data" / "vaccinator-kawaguchi.png"
"""The vaccinator's box of a generated page (development seed 17026, page 93) as
registered, with 15 px around it: 川口 直子, neatly written."""
MARGIN_PX = 15


def test_the_given_name_left_out_by_the_padded_read_is_shown_unpadded(
        forms: dict[str, FormSpec]) -> None:
    spec = forms["child"]
    field = spec.field("vaccinator_name")
    page = np.array(blank_page(spec, DPI))
    x, y, w, h = box_to_px(field.box, DPI)
    page[y - MARGIN_PX:y + h + MARGIN_PX, x - MARGIN_PX:x + w + MARGIN_PX] = cv2.imread(
        str(NAME), cv2.IMREAD_GRAYSCALE)
    value, confidence = read_text(page, field, DPI)
    assert value == "川口" and confidence < 0.9
    assert confirms_text(page, field, DPI, "川口 直子")
    for other in ("川口 直人", "川口 尚子", "山口 直子", "川口", "大野 恵美"):
        assert not confirms_text(page, field, DPI, other), other
