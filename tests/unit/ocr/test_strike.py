"""Writing taken for a struck-out attempt is dropped before both recognisers read the rest,
so their agreement on the rest is no evidence: such a field is never sure."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr import FormSpec
from ocr.geometry import box_to_px
from ocr.template import blank_page
from ocr.text import read_text
from samples.fonts import IPA_GOTHIC

DPI = 300


def _written(spec: FormSpec, key: str, text: str, strike: bool) -> np.ndarray:
    page = Image.fromarray(np.array(blank_page(spec, DPI)))
    draw = ImageDraw.Draw(page)
    x, y, w, h = box_to_px(spec.field(key).box, DPI)
    font = ImageFont.truetype(str(IPA_GOTHIC), round(h * 0.6))
    draw.text((x + 30, y + h / 2), text, fill=0, font=font, anchor="lm")
    if strike:
        end = x + 30 + draw.textlength(text.split()[0], font=font)
        draw.line((x + 25, y + h / 2, end + 5, y + h / 2), fill=0, width=5)
    return np.array(page)


def test_a_field_with_a_struck_part_is_never_sure(forms: dict[str, FormSpec]) -> None:
    spec = forms["covid19"]
    plain = read_text(_written(spec, "doctor_name", "石井 健一", strike=False),
                      spec.field("doctor_name"), DPI)
    assert plain[0].replace(" ", "") == "石井健一" and plain[1] >= 0.9
    struck = read_text(_written(spec, "doctor_name", "石井 健一", strike=True),
                       spec.field("doctor_name"), DPI)
    assert struck[1] < 0.9
