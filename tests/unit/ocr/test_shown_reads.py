"""Doctors' names PP-OCR leaves a word of out when reading the line as read_text does are
shown by its other reads (ocr.text.shown_reads): the records then see the clinic's doctor
on the page. Each crop is a vaccinator's box of a generated page as registered, with 15 px
around it."""

from __future__ import annotations

from ocr import FormSpec
from ocr.text import confirms_text, read_text, shown_reads
from tests.unit.ocr.images import DPI, field_on_blank


def test_the_given_name_left_out_by_the_padded_read_is_shown_unpadded(
        forms: dict[str, FormSpec]) -> None:
    """川口 直子, neatly written (development seed 17026, page 93)."""
    page, field = field_on_blank(forms["child"], "vaccinator_name", "vaccinator-kawaguchi.png")
    value, confidence = read_text(page, field, DPI)
    assert value == "川口" and confidence < 0.9
    assert confirms_text(page, field, DPI, "川口 直子")
    for other in ("川口 直人", "川口 尚子", "山口 直子", "川口", "大野 恵美"):
        assert not confirms_text(page, field, DPI, other), other


def test_a_given_name_left_out_of_the_whole_line_is_shown_read_word_by_word(
        forms: dict[str, FormSpec]) -> None:
    """大野 恵美 (development seed 17020, page 27): 恵美 is left out with the margin and
    without it, and read surely alone."""
    page, field = field_on_blank(forms["child"], "vaccinator_name", "vaccinator-ohno.png")
    value, confidence = read_text(page, field, DPI)
    assert value == "大野" and confidence < 0.9
    assert "大野恵美" in shown_reads(page, field, DPI)
    assert confirms_text(page, field, DPI, "大野 恵美")
    for other in ("大野 恵子", "大野 美恵", "小野 恵美", "大野", "恵美", "川口 直子"):
        assert not confirms_text(page, field, DPI, other), other


def test_a_crowded_hand_is_shown_read_wider(forms: dict[str, FormSpec]) -> None:
    """Doctors' names written with their characters run together: 松田 read as one character
    (糊, development seed 17037, page 130) and 恵美 as one (麒, seed 17038, page 45), each
    unsure; drawn twice as wide they read as written (ocr.text.WIDENED)."""
    for form, crop, written, others in (
            ("child", "doctor-matsuda-crowded.png", "松田 浩",
             ("松田 浩二", "松本 浩", "田村 誠", "松田")),
            ("elderly", "doctor-ohno-crowded.png", "大野 恵美",
             ("大野 恵子", "小野 恵美", "大野", "野村 由紀"))):
        page, field = field_on_blank(forms[form], "doctor_name", crop)
        value, confidence = read_text(page, field, DPI)
        assert value != written and confidence < 0.9, crop
        assert confirms_text(page, field, DPI, written), crop
        for other in others:
            assert not confirms_text(page, field, DPI, other), (crop, other)
