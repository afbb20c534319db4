"""The third reader (ocr.dddd) confirms a digit strip PP-OCR reads surely and no Tesseract
rendering agrees on, and only above its floor: a misreading it shares with PP-OCR below
the floor still waits for a person."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ocr import FormSpec, dddd
from ocr.cleanup import on_paper
from ocr.confidence import ACCEPT
from ocr.digits import DIGITS, read_digits
from tests.unit.ocr.images import DPI, FONTS, field_on_blank, rendered


@pytest.mark.parametrize("font", [FONTS[0], FONTS[2]], ids=lambda path: path.stem)
def test_a_rendered_digit_strip_reads_right_and_sure(font: Path) -> None:
    digits = "".join(random.Random(font.stem).choices(DIGITS, k=10))
    text, lowest = dddd.read_digits(on_paper(rendered(digits, font)))
    assert text == digits
    assert lowest >= 0.9


def test_a_hand_it_reads_wrong_it_reads_unsure() -> None:
    """Yusei Magic's digits, which ddddocr drops and misreads: a third reader may fail to
    read what it was never shown, but not surely."""
    digits = "".join(random.Random(FONTS[1].stem).choices(DIGITS, k=10))
    text, lowest = dddd.read_digits(on_paper(rendered(digits, FONTS[1])))
    assert text != digits
    assert lowest < 0.5


def test_letters_are_not_read_as_sure_digits() -> None:
    text, lowest = dddd.read_digits(on_paper(rendered("ABCD", FONTS[2])))
    assert lowest < 0.9, text


def test_a_date_tesseract_misreads_in_every_rendering_is_confirmed_by_the_third_reader(
        forms: dict[str, FormSpec]) -> None:
    """2025-04-02 (development seed 17020, page 109): Tesseract reads the handwritten 5 as 6
    in every rendering (20260402); PP-OCR and ddddocr read it right and surely."""
    page, field = field_on_blank(forms["elderly"], "vaccination_date",
                                 "date-elderly-20250402.png")
    value, confidence = read_digits(page, field, DPI)
    assert value == "2025-04-02"
    assert confidence >= ACCEPT


def test_a_misreading_the_third_reader_shares_below_its_floor_is_not_confirmed(
        forms: dict[str, FormSpec]) -> None:
    """Clinic code 1210987654 with its 8 written over a box's line (development seed 17020,
    page 118): PP-OCR reads 1210937654 surely, Tesseract reads it right, and ddddocr agrees
    with PP-OCR's 3 at 0.66."""
    page, field = field_on_blank(forms["elderly"], "clinic_code",
                                 "clinic-code-elderly-1210987654.png")
    value, confidence = read_digits(page, field, DPI)
    assert value == "1210937654"
    assert confidence < ACCEPT
