"""Confirming a value the city's records expect on the image (ocr.confirms), and writing
struck out by its writer being left unread."""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pytest

from ocr import PageReading, confirms, ppocr, text
from ocr.cleanup import for_tesseract, strike_out
from ocr.fieldmap import FieldSpec
from ocr.variants import fold

NAMES = ("name", "name_kana")


def _one_char_off(value: str, other: str) -> str:
    """`value` with its last non-space character replaced by one of `other`'s."""
    index = max(i for i, ch in enumerate(value) if not ch.isspace())
    replacement = next(ch for ch in other if not ch.isspace() and ch != value[index])
    return value[:index] + replacement + value[index + 1:]


def test_the_written_name_is_confirmed_and_other_names_are_not(
        readings: list[tuple[dict, PageReading]]) -> None:
    confirmed = 0
    for index, (truth, reading) in enumerate(readings):
        other = readings[(index + 1) % len(readings)][0]
        for key in NAMES:
            written, elsewhere = truth["fields"][key], other["fields"][key]
            confirmed += confirms(reading, key, written)
            assert not confirms(reading, key, elsewhere), (key, written, elsewhere)
            assert not confirms(reading, key, _one_char_off(written, elsewhere)), (key, written)
    assert confirmed >= len(readings) * len(NAMES) // 2


def _house_numbers_off(address: str) -> Iterator[str]:
    """`address` with one of its numbers one off or missing one of its digits (18番 as 17番,
    19番 or 8番): what another resident of the same block has, or the same resident's
    neighbour."""
    for number in re.finditer(r"\d+", address):
        value = int(number.group())
        changed = [str(value - 1), str(value + 1)] if value > 1 else [str(value + 1)]
        if len(number.group()) > 1:
            changed += [number.group()[:i] + number.group()[i + 1:]
                        for i in range(len(number.group()))]
        for other in changed:
            yield address[:number.start()] + other + address[number.end():]


def _field(reading: PageReading, key: str) -> FieldSpec:
    return next(field for field in reading.spec.fields if field.key == key)


def test_ppocr_reads_the_address_but_never_a_house_number_one_off(
        readings: list[tuple[dict, PageReading]]) -> None:
    """Held to the characters of 千葉県松戸市根本3丁目14番1号, PP-OCR reads 14番17号 as
    exactly that, sure of every character: the 7 it may not give is absorbed into the
    blank between characters. Its free read still sees the 7 (CONFIRM_RIVAL), so neither
    PP-OCR's evidence nor the whole test confirms such a value."""
    read, naive = 0, 0
    for truth, reading in readings:
        line = text._placed_line(reading.registered, _field(reading, "address"), reading.dpi)[0]
        assert line is not None
        written = "".join(truth["fields"]["address"].split())
        read += text._ppocr_evidence(line, written, text.CONFIRM_RIVAL) >= text.CONFIRM_FLOOR
        for other in _house_numbers_off(written):
            held = ppocr.read_line(for_tesseract(line),
                                   "".join(sorted(text._confirm_chars(other))))
            naive += fold(held.text) == fold(other) and held.lowest >= text.CONFIRM_FLOOR
            assert text._ppocr_evidence(line, other, text.CONFIRM_RIVAL) == 0.0, other
            assert not confirms(reading, "address", other), (written, other)
    assert read >= len(readings) // 2
    assert naive >= 1, "no address here that a held read alone would confirm one off"


@pytest.mark.parametrize(("renderings", "lowest", "rival", "confirmed"), [
    (["X", "X", "X"], 0.9, 0.0, True),
    (["X", "Y", "X"], 0.9, 0.6, True),
    (["X", "X", "X"], 0.9, 0.75, False),
    (["X", "X", "X"], 0.8, 0.0, False),
    (["Y", "X", "Y"], 0.9, 0.3, True),
    (["Y", "X", "Y"], 0.9, 0.6, False),
    (["Y", "X", "Y"], 0.8, 0.0, False),
    (["Y", "Y", "Y"], 1.0, 0.0, False),
])
def test_tesseract_and_ppocr_must_both_read_the_value(
        readings: list[tuple[dict, PageReading]], monkeypatch: pytest.MonkeyPatch,
        renderings: list[str], lowest: float, rival: float, confirmed: bool) -> None:
    """Tesseract's held renderings confirm with PP-OCR's held read at CONFIRM_FLOOR: two of
    them when PP-OCR's free read gives nothing else at CONFIRM_VETO, one when it gives
    nothing else at CONFIRM_RIVAL; PP-OCR is not asked when no rendering gives the value.
    `rival`: the surest character outside the value in PP-OCR's free read."""
    _, reading = readings[0]
    values = iter(renderings)
    asked: list[str] = []

    def evidence(line: np.ndarray, wanted: str, cap: float) -> float:
        asked.append(wanted)
        return 0.0 if rival >= cap else lowest

    monkeypatch.setattr(text, "_read", lambda line, field, height: (next(values), 0.0))
    monkeypatch.setattr(text, "_ppocr_evidence", evidence)
    assert text.confirms_text(reading.registered, _field(reading, "name"), reading.dpi,
                              "X") is confirmed
    assert asked == (["X"] if "X" in renderings else [])


def test_a_field_that_is_not_text_is_never_confirmed(
        readings: list[tuple[dict, PageReading]]) -> None:
    truth, reading = readings[0]
    assert not confirms(reading, "birth_date", truth["fields"]["birth_date"])


def test_struck_out_writing_is_blanked_and_the_rest_kept() -> None:
    ink = np.zeros((60, 400), np.uint8)
    ink[15:45, 20:140] = 255  # the first attempt
    ink[28:31, 10:150] = 255  # the line through it
    ink[15:45, 200:260] = 255  # the value written again
    ink[0:2, :] = 255  # a remnant of the printed frame
    cleaned = strike_out(ink, min_len_px=90)
    assert not cleaned[:, 10:150][10:50].any()
    assert cleaned[15:45, 200:260].all()
    assert cleaned[0:2, 300:].all()
