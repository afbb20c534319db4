"""Reads printed text fields (names, kana, address, phone, lot number) with Tesseract."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ocr.cleanup import (
    crop,
    for_tesseract,
    ink_mask,
    remove_lines,
    scale_to_height,
    strike_out,
    trim,
)
from ocr.confidence import field_confidence, lowest_symbol
from ocr.fieldmap import FieldSpec
from ocr.geometry import box_to_px, mm_to_px
from ocr.printed import read_printed
from ocr.tesseract import RAW_LINE_MODE, Word, read_line

INSET_MM = 0.9
"""Crop inside the printed frame so that its line never reaches Tesseract."""
EMPTY_INK = 0.002
"""Ink share below which the field is blank; confidence in the blank falls towards 0.5 as the
share nears it."""
LINE_HEIGHT_PX = 44
"""Measured on generated pages: names, kana and addresses read best at about this height."""
STRIKE_MM = 8
"""Shortest line through the writing that counts as striking it out: longer than any
horizontal stroke of a character written at field height (一 is about 5 mm)."""
CHECK_HEIGHT_PX = 36
"""Height of the second, confirming rendering."""
CONFIRM_HEIGHTS_PX = (LINE_HEIGHT_PX, CHECK_HEIGHT_PX, 52)
"""Renderings of a line read for confirming an expected value; two must give it."""
CONFIRM_FLOOR = 0.97
"""Lowest character confidence that can pass once confirmed. Measured on generated pages,
misreadings with every character above 0.9 are common (誠 as 計), and a handwritten 7 read
as 9 in a phone number passed confirmation at 0.969; above 0.97 almost none are left."""
SPACE_GAP = 0.7
"""An empty stretch wider than this share of the line height is a space (family / given name);
narrower ones are the side bearings of narrow kana."""
WIDE_SPACE = 1.5
"""Real spaces are widened to this share of the line height before reading, so that Tesseract
always splits words there and never elsewhere."""
STRAY_PUNCTUATION = "、。，．"
"""Never part of a name or an address, but read from specks in wide gaps."""
WORD_GAP = 1.2
"""Gap between Tesseract's words, as a share of their height, that counts as a space."""


def _clean(text: str) -> str:
    """The word without whitespace and without the stray punctuation Tesseract sees in gaps."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in STRAY_PUNCTUATION)


def _join_words(words: list[Word], lang: str) -> str:
    if lang != "jpn":
        return "".join(word.text for word in words)
    height = float(np.median([word.height for word in words]))
    text = words[0].text
    for previous, word in zip(words, words[1:], strict=False):
        gap = word.left - (previous.left + previous.width)
        text += (" " if gap > WORD_GAP * height else "") + word.text
    return text


def _widen_spaces(line: np.ndarray) -> np.ndarray:
    """The trimmed line with every space widened to WIDE_SPACE line heights."""
    height = line.shape[0]
    empty = np.count_nonzero(line, axis=0) == 0
    pieces, start, column = [], 0, 0
    while column < len(empty):
        if not empty[column]:
            column += 1
            continue
        end = column
        while end < len(empty) and empty[end]:
            end += 1
        if end - column > SPACE_GAP * height:
            pieces += [line[:, start:column], np.zeros((height, round(WIDE_SPACE * height)),
                                                       np.uint8)]
            start = end
        column = end
    pieces.append(line[:, start:])
    return np.hstack(pieces)


def _read(ink: np.ndarray, field: FieldSpec, height_px: int) -> tuple[str, float]:
    """The text of the line and the confidence of its least sure character."""
    image = for_tesseract(scale_to_height(ink, height_px))
    words = read_line(image, field.lang or "eng", field.whitelist)
    if not words:
        words = read_line(image, field.lang or "eng", field.whitelist, psm=RAW_LINE_MODE)
    words = [replace(word, text=_clean(word.text)) for word in words]
    words = [word for word in words if word.text]
    if not words:
        return "", 0.0
    return (_join_words(words, field.lang or "eng"),
            lowest_symbol(words, ignore=STRAY_PUNCTUATION))


def _line(gray: np.ndarray, field: FieldSpec, dpi: int) -> np.ndarray | None:
    """The field's writing, struck-out attempts and box lines removed, trimmed and with its
    spaces widened; None when the field is blank."""
    box = box_to_px(field.box, dpi)
    ink = ink_mask(crop(gray, box, -round(mm_to_px(INSET_MM, dpi))))
    ink = strike_out(ink, round(mm_to_px(STRIKE_MM, dpi)))
    ink = remove_lines(ink, min_h_px=round(mm_to_px(15, dpi)),
                       min_v_px=round(ink.shape[0] * 0.85))
    if float(np.count_nonzero(ink)) / max(ink.size, 1) < EMPTY_INK:
        return None
    return _widen_spaces(trim(ink))


def read_text(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[str, float]:
    """Value and confidence of a text field; whitespace inside a word is dropped."""
    if field.printed:
        return read_printed(gray, field, dpi)
    line = _line(gray, field, dpi)
    if line is None:
        box = box_to_px(field.box, dpi)
        ink = ink_mask(crop(gray, box, -round(mm_to_px(INSET_MM, dpi))))
        ink_share = float(np.count_nonzero(ink)) / max(ink.size, 1)
        return "", 1.0 - min(ink_share, EMPTY_INK) / EMPTY_INK * 0.5
    value, lowest = _read(line, field, LINE_HEIGHT_PX)
    agreed = None
    if value and lowest >= CONFIRM_FLOOR:
        check, _ = _read(line, field, CHECK_HEIGHT_PX)
        agreed = "".join(check.split()) == "".join(value.split())
    return value, field_confidence(lowest, CONFIRM_FLOOR, agreed)


def confirms_text(gray: np.ndarray, field: FieldSpec, dpi: int, expected: str) -> bool:
    """Whether the field shows `expected`, a value the city's records hold for this form (the
    register's name of the ticket's holder, a doctor of the clinic).

    Confirming is easier than reading: the line is read again allowed only the characters of
    `expected` and must give exactly `expected` (spaces aside) at two of three renderings.
    Tesseract's character confidences are low on such forced readings, right or wrong, so
    they are not used; other writing reads as something else. Measured on 100 generated
    office pages: 78 of the written names and 92 readings confirmed, no other resident's
    name, and 2 of 200 names one character off (tests/ocr/test_confirm.py).
    """
    wanted = "".join(expected.split())
    line = _line(gray, field, dpi)
    if line is None or not wanted:
        return False
    narrowed = field.model_copy(update={"whitelist": "".join(sorted(set(wanted)))})
    agreeing = 0
    for tried, height in enumerate(CONFIRM_HEIGHTS_PX):
        value, _ = _read(line, narrowed, height)
        agreeing += "".join(value.split()) == wanted
        if agreeing == 2 or agreeing + len(CONFIRM_HEIGHTS_PX) - tried - 1 < 2:
            break
    return agreeing >= 2
