"""Reads boxed digit rows (digits and date fields) as one packed strip per field.

Reading the strip rather than box by box is both faster and more accurate: the line model
sees the digits in context and the per-call start-up cost is paid once per rendering.
"""

from __future__ import annotations

from datetime import date

import cv2
import numpy as np

from ocr.cleanup import crop, for_tesseract, ink_mask, remove_lines, scale_to_height
from ocr.confidence import two_read_confidence
from ocr.fieldmap import FieldSpec
from ocr.geometry import box_to_px, mm_to_px
from ocr.tesseract import WORD_MODE, read_line

DIGITS = "0123456789"
CROP_MARGIN_MM = 1.0
MIN_GLYPH_PX = 40
"""Fewer ink pixels than this in a box is noise, not a digit."""
SMUDGE_INK = 0.3
"""Ink share inside the boxes above which the row is smudged or crossed out: printed digits
cover about a tenth of a box."""
BOX_INSET_MM = 0.6
GLYPH_GAP = 0.25
CHECK_HEIGHT_PX = 64
"""Height of the second, confirming rendering of a strip (printed digits are about 48 px)."""
WRONG_COUNT_FACTOR = 0.3
BAD_DATE_FACTOR = 0.3


def _cell_glyphs(gray: np.ndarray, box_mm: tuple[float, float, float, float], chars: int,
                 dpi: int) -> list[np.ndarray]:
    """The ink of each non-empty box of a row, box lines removed, trimmed to its extent."""
    box = box_to_px(box_mm, dpi)
    margin = round(mm_to_px(CROP_MARGIN_MM, dpi))
    ink = ink_mask(crop(gray, box, margin))
    cell = box[2] / chars
    ink = remove_lines(ink, min_h_px=round(cell * 0.75), min_v_px=round(box[3] * 0.7))
    glyphs = []
    for index in range(chars):
        left = max(0, round(margin + index * cell))
        part = ink[:, left:round(margin + (index + 1) * cell)]
        points = cv2.findNonZero(part)
        if points is None or len(points) < MIN_GLYPH_PX:
            continue
        x, y, w, h = cv2.boundingRect(points)
        glyphs.append(part[y:y + h, x:x + w])
    return glyphs


def _smudged(gray: np.ndarray, box_mm: tuple[float, float, float, float], dpi: int) -> bool:
    inner = ink_mask(crop(gray, box_to_px(box_mm, dpi), -round(mm_to_px(BOX_INSET_MM, dpi))))
    return float(np.count_nonzero(inner)) / max(inner.size, 1) > SMUDGE_INK


def _compact_strip(glyphs: list[np.ndarray]) -> np.ndarray:
    """The glyphs set side by side on a common baseline at ordinary letter spacing.

    Digits written one per box sit far apart and wander up and down; Tesseract's line model
    reads them far better packed like printed text.
    """
    height = max(glyph.shape[0] for glyph in glyphs)
    gap = max(2, round(height * GLYPH_GAP))
    placed = []
    for glyph in glyphs:
        top = height - glyph.shape[0]
        placed.append(cv2.copyMakeBorder(glyph, top, 0, 0, gap, cv2.BORDER_CONSTANT, value=0))
    return np.hstack(placed)


def _as_iso_date(digits: str) -> str | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])).isoformat()
    except ValueError:
        return None


def _read_strip(strip: np.ndarray) -> tuple[str, float]:
    words = read_line(for_tesseract(strip), "eng", DIGITS, psm=WORD_MODE)
    digits = "".join(ch for word in words for ch in word.text if ch in DIGITS)
    return digits, min((word.confidence for word in words), default=0.0) / 100


def read_digits(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[str, float]:
    """Value and confidence of a digits or date field on the registered page.

    A date that reads as 8 digits forming a real date is returned as YYYY-MM-DD; anything else
    comes back as the raw digits with a low confidence, for a person to correct.
    """
    rows = field.digit_rows
    glyphs = [glyph for row in rows for glyph in _cell_glyphs(gray, row.box, row.chars, dpi)]
    if not glyphs:
        return "", 1.0
    if any(_smudged(gray, row.box, dpi) for row in rows):
        return "", 0.0
    strip = _compact_strip(glyphs)
    digits, word_confidence = _read_strip(strip)
    check, _ = _read_strip(scale_to_height(strip, CHECK_HEIGHT_PX))
    confidence = two_read_confidence(word_confidence, agreed=check == digits)
    if len(digits) != sum(row.chars for row in rows):
        confidence *= WRONG_COUNT_FACTOR
    if field.type == "date":
        iso = _as_iso_date(digits) if len(digits) == 8 else None
        if iso is None:
            return digits, confidence * BAD_DATE_FACTOR
        return iso, confidence
    return digits, confidence
