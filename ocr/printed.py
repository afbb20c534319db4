"""Reads machine-printed text fields (the lot number sticker peeled off the vial).

Printed characters are thin and evenly spaced; binarising them breaks strokes and the line
model then drops one of two equal neighbours (TD0001 read TD001). Read from the gray crop,
anti-aliasing kept, they come out right far more often: measured on 91 generated office
stickers, 88 right with the `jpn` model at 64 px against 67 from the binarised line. A
reading passes only when another one, with the `eng` model which errs differently, agrees.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr.cleanup import crop, ink_mask
from ocr.confidence import field_confidence, lowest_symbol
from ocr.fieldmap import FieldSpec
from ocr.geometry import box_to_px, mm_to_px
from ocr.tesseract import read_line

INSET_MM = 0.9
MARGIN_PX = 4
PAD_PX = 16
EMPTY_INK_PX = 40
READINGS = (("jpn", 64), ("eng", 40), ("eng", 48))
"""(model, text height) of the readings: the first is kept when the second agrees; when they
differ the third decides, and a value two of them give passes. Measured on 500 office
stickers, the first alone was wrong on 24, each time with the other two agreeing on the
right value."""
CONFIRM_FLOOR = 0.80
"""Lowest character confidence of the kept reading that can pass once the second agrees:
on printed stickers right readings score 0.8-0.99; wrong ones almost never agree."""


def _text_crop(gray: np.ndarray, field: FieldSpec, dpi: int) -> np.ndarray | None:
    """The gray crop around the printed characters, None when nothing is printed."""
    inner = crop(gray, box_to_px(field.box, dpi), -round(mm_to_px(INSET_MM, dpi)))
    rows, columns = np.nonzero(ink_mask(inner))
    if len(rows) < EMPTY_INK_PX:
        return None
    return inner[max(0, rows.min() - MARGIN_PX):rows.max() + MARGIN_PX + 1,
                 max(0, columns.min() - MARGIN_PX):columns.max() + MARGIN_PX + 1]


def _read(text: np.ndarray, lang: str, height: int, whitelist: str | None
          ) -> tuple[str, float]:
    scale = height / text.shape[0]
    image = cv2.resize(text, None, fx=scale, fy=scale,
                       interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    image = cv2.copyMakeBorder(image, PAD_PX, PAD_PX, PAD_PX, PAD_PX, cv2.BORDER_CONSTANT,
                               value=255)
    words = read_line(image, lang, whitelist)
    return "".join(word.text for word in words), lowest_symbol(words)


def read_printed(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[str, float]:
    """Value and confidence of a printed text field."""
    text = _text_crop(gray, field, dpi)
    if text is None:
        return "", 1.0
    readings: list[tuple[str, float]] = []
    for lang, height in READINGS:
        value, lowest = _read(text, lang, height, field.whitelist)
        agreeing = [seen for seen in readings if seen[0] == value and value]
        if agreeing:
            return value, field_confidence(max(lowest, agreeing[0][1]), CONFIRM_FLOOR,
                                           agreed=True)
        readings.append((value, lowest))
    value, lowest = readings[0]
    return value, field_confidence(lowest, CONFIRM_FLOOR, agreed=False) if value else 0.0
