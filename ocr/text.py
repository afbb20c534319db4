"""Reads printed text fields (names, kana, address, phone, lot number) with Tesseract."""

from __future__ import annotations

import numpy as np

from ocr.cleanup import crop, for_tesseract, ink_mask, remove_lines, scale_to_height, trim
from ocr.confidence import two_read_confidence
from ocr.fieldmap import FieldSpec
from ocr.geometry import box_to_px, mm_to_px
from ocr.tesseract import Word, read_line

INSET_MM = 0.9
"""Crop inside the printed frame so that its line never reaches Tesseract."""
EMPTY_INK = 0.002
"""Ink share below which the field is blank; confidence in the blank falls towards 0.5 as the
share nears it."""
LINE_HEIGHT_PX = 44
"""Measured on generated pages: names, kana and addresses read best at about this height."""
CHECK_HEIGHT_PX = 36
"""Height of the second, confirming rendering."""
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
    words = read_line(for_tesseract(scale_to_height(ink, height_px)), field.lang or "eng",
                      field.whitelist)
    if not words:
        return "", 0.0
    words = [Word(_clean(word.text), word.confidence, word.left, word.width, word.height)
             for word in words]
    words = [word for word in words if word.text]
    if not words:
        return "", 0.0
    confidence = min(word.confidence for word in words) / 100
    return _join_words(words, field.lang or "eng"), confidence


def read_text(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[str, float]:
    """Value and confidence of a text field; whitespace inside a word is dropped."""
    box = box_to_px(field.box, dpi)
    ink = ink_mask(crop(gray, box, -round(mm_to_px(INSET_MM, dpi))))
    ink = remove_lines(ink, min_h_px=round(mm_to_px(15, dpi)),
                       min_v_px=round(ink.shape[0] * 0.85))
    ink_share = float(np.count_nonzero(ink)) / max(ink.size, 1)
    if ink_share < EMPTY_INK:
        return "", 1.0 - ink_share / EMPTY_INK * 0.5
    line = _widen_spaces(trim(ink))
    value, word_confidence = _read(line, field, LINE_HEIGHT_PX)
    check, _ = _read(line, field, CHECK_HEIGHT_PX)
    agreed = "".join(check.split()) == "".join(value.split()) and bool(value)
    return value, two_read_confidence(word_confidence, agreed)
