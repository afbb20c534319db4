"""Confirming a value the city's records expect on the image (ocr.confirms), and writing
struck out by its writer being left unread."""

from __future__ import annotations

import numpy as np

from ocr import PageReading, confirms
from ocr.cleanup import strike_out

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
