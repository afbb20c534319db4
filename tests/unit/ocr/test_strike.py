"""Writing taken for a struck-out attempt is dropped before both recognisers read the rest,
so their agreement on the rest is no evidence: such a field is never sure."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr import FormSpec
from ocr.geometry import box_to_px
from ocr.template import blank_page
from ocr.text import confirms_text, read_text
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


def _bold_and_tight(spec: FormSpec, key: str, text: str) -> np.ndarray:
    """`text` written bold with its characters close together, so that the horizontal
    strokes of one family name run into the next character's: a line through the writing,
    to the strike-out test."""
    page = Image.fromarray(np.array(blank_page(spec, DPI)))
    draw = ImageDraw.Draw(page)
    x, y, w, h = box_to_px(spec.field(key).box, DPI)
    font = ImageFont.truetype(str(IPA_GOTHIC), round(h * 0.6))
    left = x + 30
    for char in text:
        draw.text((left, y + h / 2), char, fill=0, font=font, anchor="lm", stroke_width=3,
                  stroke_fill=0)
        left += draw.textlength(char, font=font) * (1.5 if char == " " else 0.9)
    return np.array(page)


def test_a_doctor_written_in_strokes_taken_for_a_strike_is_still_shown(
        forms: dict[str, FormSpec]) -> None:
    """Bold writing whose strokes run together (松田) looks struck through: read_text keeps
    only the given name, unsure. Asked whether the field shows a doctor of the clinic, the
    whole writing is read too, and shows that doctor and no other."""
    spec = forms["covid19"]
    field = spec.field("doctor_name")
    page = _bold_and_tight(spec, "doctor_name", "松田 浩")
    value, confidence = read_text(page, field, DPI)
    assert "松" not in value and confidence < 0.9
    assert confirms_text(page, field, DPI, "松田 浩")
    assert not confirms_text(page, field, DPI, "松田 浩二")
    assert not confirms_text(page, field, DPI, "田村 誠")


def test_a_corrected_doctor_shows_the_correction_only(forms: dict[str, FormSpec]) -> None:
    """A real correction: the whole writing holds the struck attempt beside the correction
    and shows neither, the writing left after the strike shows the correction."""
    spec = forms["covid19"]
    field = spec.field("doctor_name")
    page = Image.fromarray(np.array(blank_page(spec, DPI)))
    draw = ImageDraw.Draw(page)
    x, y, w, h = box_to_px(field.box, DPI)
    font = ImageFont.truetype(str(IPA_GOTHIC), round(h * 0.6))
    draw.text((x + 30, y + h / 2), "田村 誠", fill=0, font=font, anchor="lm")
    end = x + 30 + draw.textlength("田村 誠", font=font)
    draw.line((x + 25, y + h / 2, end + 5, y + h / 2), fill=0, width=5)
    draw.text((end + 40, y + h / 2), "石井 健一", fill=0, font=font, anchor="lm")
    corrected = np.array(page)
    assert confirms_text(corrected, field, DPI, "石井 健一")
    assert not confirms_text(corrected, field, DPI, "田村 誠")
