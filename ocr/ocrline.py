"""Reads the machine-printed digit line of a pasted sticker (the 接種券's OCR-B line).

The sticker is pasted by hand, so the line sits anywhere in its generous box and slightly
rotated; the sticker's other printed lines may reach into the box. The line is taken as the
tallest-inked horizontal band that holds the most ink, then read like a digit strip: PP-OCR's
digits, sure when Tesseract's agree.

Tickets from the third COVID-19 dose on also carry a QR code holding the same 18 digits
(the 手引き: model 2, 10 mm, above the line's right end). Where the sticker has one, its
error-corrected digits are the line's value: sure on their own, surer still when the printed
line agrees; a sure printed line that disagrees with it is left for a person.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr import ppocr
from ocr.cleanup import crop, for_tesseract, ink_mask, scale_to_height, trim
from ocr.confidence import ACCEPT, Floors, cross_checked, lowest_symbol, unconfirmed
from ocr.fieldmap import FieldSpec
from ocr.geometry import box_to_px
from ocr.tesseract import LINE_MODE, read_line

DIGITS = "0123456789"
LINE_HEIGHT_PX = 40
MIN_INK_PX = 60
FLOORS = Floors(checker=0.5, ppocr=0.9)
"""As for handwritten digit strips (ocr.digits.FLOORS): on 122 generated ticket lines both
engines agreed on every one, PP-OCR at 0.999 and more, Tesseract at 0.97 and more."""
WRONG_COUNT_FACTOR = 0.3
QR_REACH_MM = (12.0, 34.0)
"""How far beyond the line's box (sideways, and upwards) the ticket's QR is looked for: the
sticker is pasted by hand around the box, its QR above the line."""
QR_ENLARGED = 2.0
"""The QR is small (10 mm): where the detector finds it on the page but cannot decode it,
it is decoded again enlarged this many times. Measured on generated tickets (200 office,
38 poor, 60 photo pages): 16 of 200 office QR codes decoded only enlarged, and every one of
those the detector had found first; where it found none, enlarging the whole window never
decoded one."""
QR_MARGIN = 0.5
"""Paper kept around the found QR, as a share of its side, when it is enlarged: the quiet
zone its detector needs."""
QR_ALONE = 0.97
"""A decoded QR whose digits the printed line could not confirm (unsure, unreadable or
covered): its Reed-Solomon check stands for the second reader."""
TALL_MARK = 1.6
"""Height, in median character heights, above which a mark is not a character of the line."""
RUN_GAP = 1.0
"""Widest gap, in band heights, between the digits of the line: OCR-B is evenly spaced at
about half its height."""


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


def _without_tall_marks(ink: np.ndarray) -> np.ndarray:
    """The ink without marks much taller than the characters (the sticker's edge, a stamp's
    frame): they join the line's band to everything above and below it."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink)
    heights = stats[1:count, cv2.CC_STAT_HEIGHT]
    if not len(heights):
        return ink
    tall = np.flatnonzero(heights > TALL_MARK * np.median(heights)) + 1
    return np.where(np.isin(labels, tall), 0, ink).astype(np.uint8)


def _main_run(line: np.ndarray) -> np.ndarray:
    """The widest stretch of the band whose inked columns are never further apart than
    RUN_GAP band heights: the digits, without the sticker's edge or a speck beside them
    (which both engines read as a 1 or lowers Tesseract's confidence to nothing)."""
    columns = np.flatnonzero(np.count_nonzero(line, axis=0))
    breaks = np.flatnonzero(np.diff(columns) > RUN_GAP * line.shape[0])
    runs = np.split(columns, breaks + 1)
    widest = max(runs, key=lambda run: run[-1] - run[0])
    return trim(line[:, widest[0]:widest[-1] + 1])


def _read(line: np.ndarray, height_px: int) -> tuple[str, float]:
    """Tesseract's digits of the line and the confidence of the least sure one."""
    words = read_line(for_tesseract(scale_to_height(line, height_px)), "eng", DIGITS,
                      psm=LINE_MODE)
    return "".join(ch for word in words for ch in word.text if ch in DIGITS), lowest_symbol(words)


def _sticker_qr(gray: np.ndarray, field: FieldSpec, dpi: int) -> str | None:
    """The digits of a QR on the ticket sticker around the line's box, when it holds as many
    digits as the line; None where there is none (older tickets) or it does not decode.

    Only the QR the detector found is enlarged, not the whole window around the box: the
    same codes decode (QR_ENLARGED), at a third of the time on a page without one."""
    x, y, w, h = field.box
    window = box_to_px((x - QR_REACH_MM[0], y - QR_REACH_MM[1], w + QR_REACH_MM[0] * 2,
                        h + QR_REACH_MM[1]), dpi)
    part = crop(gray, window)
    if min(part.shape) < 2:
        return None
    detector = cv2.QRCodeDetectorAruco()
    text, points, _ = detector.detectAndDecode(part)
    if not text and points is not None:
        text, points, _ = detector.detectAndDecode(_enlarged(part, points))
    if text and points is not None:
        return text if len(text) == field.chars and text.isdigit() else None
    return None


def _enlarged(part: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The QR found at `points` in `part`, with a quiet zone, enlarged QR_ENLARGED times."""
    corners = points.reshape(-1, 2)
    left, top = np.floor(corners.min(axis=0)).astype(int)
    right, bottom = np.ceil(corners.max(axis=0)).astype(int)
    margin = round(max(right - left, bottom - top) * QR_MARGIN)
    found = part[max(0, top - margin):bottom + margin, max(0, left - margin):right + margin]
    return cv2.resize(found, None, fx=QR_ENLARGED, fy=QR_ENLARGED,
                      interpolation=cv2.INTER_CUBIC)


def read_ocr_line(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[str, float]:
    """The ticket's QR digits where it has one (see the module's note), otherwise PP-OCR's
    digits of the line, sure when Tesseract reads the same; a count other than `chars`
    scores low, for a person to see."""
    coded = _sticker_qr(gray, field, dpi)
    printed, confidence = _read_printed_line(gray, field, dpi, coded)
    if coded is None:
        return printed, confidence
    if printed == coded:
        return coded, 1.0
    unread = not printed or confidence < ACCEPT
    return coded, QR_ALONE if unread else unconfirmed(1.0)


def _read_printed_line(gray: np.ndarray, field: FieldSpec, dpi: int, coded: str | None
                       ) -> tuple[str, float]:
    """PP-OCR's digits of the line and how sure they are. Tesseract is not asked where they
    are the `coded` digits of the ticket's QR: the two agreeing make the value sure whatever
    Tesseract reads (it was a sixth of a page's Tesseract time)."""
    ink = ink_mask(crop(gray, box_to_px(field.box, dpi)))
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    if np.count_nonzero(ink) < MIN_INK_PX:
        return "", 0.95
    line = _main_run(trim(_line_band(_without_tall_marks(ink))))
    reading = ppocr.read_line(for_tesseract(line), DIGITS)
    if len(reading.text) != field.chars:
        return reading.text, unconfirmed(reading.lowest) * WRONG_COUNT_FACTOR
    if reading.lowest < FLOORS.ppocr or reading.text == coded:
        return reading.text, unconfirmed(reading.lowest)
    digits, lowest = _read(line, LINE_HEIGHT_PX)
    return reading.text, cross_checked(digits == reading.text, lowest, reading.lowest, FLOORS)
