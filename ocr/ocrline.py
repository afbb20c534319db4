"""Reads the machine-printed digit line of a pasted sticker (the 接種券's OCR-B line).

The sticker is pasted by hand, so the line sits anywhere in its generous box and slightly
rotated; the sticker's other printed lines may reach into the box. The line is taken as the
tallest-inked horizontal band that holds the most ink, then read like a digit strip.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr.cleanup import crop, for_tesseract, ink_mask, scale_to_height, trim
from ocr.confidence import field_confidence, lowest_symbol
from ocr.fieldmap import FieldSpec
from ocr.geometry import box_to_px
from ocr.tesseract import LINE_MODE, read_line

DIGITS = "0123456789"
LINE_HEIGHT_PX = 40
CHECK_HEIGHT_PX = 30
MIN_INK_PX = 60
CONFIRM_FLOOR = 0.93
"""Lowest digit confidence that can pass once a second rendering agrees (see ocr.confidence):
right lines score 0.96 and more, a fax's 1 read as 4 scored 0.92 and was confirmed."""
WRONG_COUNT_FACTOR = 0.3


def _line_band(ink: np.ndarray) -> np.ndarray:
    """The rows of the band of consecutive inked rows that holds the most ink."""
    rows = np.count_nonzero(ink, axis=1)
    best, best_ink, start = (0, 0), 0, None
    for index, count in enumerate([*rows, 0]):
        if count and start is None:
            start = index
        elif not count and start is not None:
            total = int(rows[start:index].sum())
            if total > best_ink:
                best, best_ink = (start, index), total
            start = None
    return ink[best[0]:best[1]]


def _read(line: np.ndarray, height_px: int) -> tuple[str, float]:
    """The digits of the line and the confidence of the least sure one."""
    words = read_line(for_tesseract(scale_to_height(line, height_px)), "eng", DIGITS,
                      psm=LINE_MODE)
    return "".join(ch for word in words for ch in word.text if ch in DIGITS), lowest_symbol(words)


def read_ocr_line(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[str, float]:
    """The digits of the line; a count other than `chars` scores low, for a person to see."""
    ink = ink_mask(crop(gray, box_to_px(field.box, dpi)))
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    if np.count_nonzero(ink) < MIN_INK_PX:
        return "", 0.95
    line = trim(_line_band(ink))
    digits, lowest = _read(line, LINE_HEIGHT_PX)
    if len(digits) != field.chars:
        return digits, field_confidence(lowest, CONFIRM_FLOOR, None) * WRONG_COUNT_FACTOR
    agreed = _read(line, CHECK_HEIGHT_PX)[0] == digits if lowest >= CONFIRM_FLOOR else None
    return digits, field_confidence(lowest, CONFIRM_FLOOR, agreed)
