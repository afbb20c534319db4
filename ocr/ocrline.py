"""Reads the machine-printed digit line of a pasted sticker (the 接種券's OCR-B line).

The sticker is pasted by hand, so the line sits anywhere in its generous box and slightly
rotated; the sticker's other printed lines may reach into the box. The line is taken as the
tallest-inked horizontal band that holds the most ink, then read like a digit strip.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr.cleanup import crop, for_tesseract, ink_mask, scale_to_height, trim
from ocr.confidence import two_read_confidence
from ocr.fieldmap import FieldSpec
from ocr.geometry import box_to_px
from ocr.tesseract import LINE_MODE, read_line

DIGITS = "0123456789"
LINE_HEIGHT_PX = 40
CHECK_HEIGHT_PX = 30
MIN_INK_PX = 60
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
    words = read_line(for_tesseract(scale_to_height(line, height_px)), "eng", DIGITS,
                      psm=LINE_MODE)
    digits = "".join(ch for word in words for ch in word.text if ch in DIGITS)
    return digits, min((word.confidence for word in words), default=0.0) / 100


def read_ocr_line(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[str, float]:
    """The digits of the line; a count other than `chars` scores low, for a person to see."""
    ink = ink_mask(crop(gray, box_to_px(field.box, dpi)))
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    if np.count_nonzero(ink) < MIN_INK_PX:
        return "", 0.95
    line = trim(_line_band(ink))
    digits, word_confidence = _read(line, LINE_HEIGHT_PX)
    check, _ = _read(line, CHECK_HEIGHT_PX)
    confidence = two_read_confidence(word_confidence, agreed=check == digits)
    if len(digits) != field.chars:
        confidence *= WRONG_COUNT_FACTOR
    return digits, confidence
