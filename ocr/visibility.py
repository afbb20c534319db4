"""Whether a field is on the scan at all: its printed frame must be there.

A torn or folded-back corner, a cut edge or a sheet that slid off the glass leaves white
(the scanner's lid) where a field was, and white reads as a sure blank. The blank form says
which print surrounds each field; where most of that print is missing from the registered
page, the field was not scanned, and whatever the reader makes of it is doubtful.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ocr.cleanup import crop
from ocr.fieldmap import FieldSpec, FormSpec
from ocr.geometry import box_to_px, mm_to_px
from ocr.template import print_mask

MARGIN_MM = 1.5
"""The field's box grown by this much, so that its printed frame is inside the region."""
SLACK_MM = 0.4
"""Registration error the comparison forgives (fields land within about 0.35 mm)."""
MIN_PRINT_PX = 200
"""Fewer printed pixels than this around a field leave nothing to judge by."""
VISIBLE_SHARE = 0.9
"""Share of the field's print that must be found on the page. Measured on 90 generated
office, poor and photo pages, every field's print was found at 99.7 % or more (a stamp or
writing over a frame only darkens it); a field a tear or a cut reaches loses its part."""
HIDDEN_CAP = 0.2
"""Confidence of any reading of a field that was not scanned."""
PAPER_SHARE = 0.8
"""Share of a field's region at or below the paper's level: the region around a field is
mostly paper, whatever is printed or written in it."""
DARKEST_SHARE = 0.02
"""Share of the region at or below the level of its darkest marks (print, writing)."""
PRINT_LEVEL = 0.65
"""Print is darker than this share of the way from the darkest marks to the paper: the
blurred edges of a phone photo's lines are print too. On 72 generated office, poor and
photo pages the least share of a field's print found was 0.996 (0.91 at midway)."""
MIN_CONTRAST = 40
"""Least darkening below the paper that is print: the scanner's white lid where a page is
torn away varies by under 10."""


def _dark(gray: np.ndarray) -> np.ndarray:
    """255 where the region is as dark as print against its own paper (PRINT_LEVEL): one
    level for the small region, taken from its histogram, at a tenth of the cost of finding
    ink against the local paper, which this question does not need."""
    if not gray.size:
        return np.zeros(gray.shape, np.uint8)
    cumulative = np.cumsum(np.bincount(gray.ravel(), minlength=256))
    paper, darkest = (int(np.searchsorted(cumulative, share * cumulative[-1]))
                      for share in (PAPER_SHARE, DARKEST_SHARE))
    level = min(darkest + PRINT_LEVEL * (paper - darkest), paper - MIN_CONTRAST)
    # gray < level, for whole gray values: at most ceil(level) - 1
    _, dark = cv2.threshold(gray, math.ceil(level) - 1, 255, cv2.THRESH_BINARY_INV)
    return dark


def field_visible(registered: np.ndarray, spec: FormSpec, field: FieldSpec, dpi: int) -> bool:
    """Whether most of the print around `field` is on the registered page. Stickers cover
    their field's print by design (the 接種券, the lot label), so those fields always pass."""
    if field.type == "ocr_line" or field.printed or spec.blank_pdf is None:
        return True
    box = box_to_px(field.box, dpi)
    margin = round(mm_to_px(MARGIN_MM, dpi))
    printed = crop(print_mask(spec, dpi), box, margin)
    total = int(np.count_nonzero(printed))
    if total < MIN_PRINT_PX:
        return True
    slack = max(1, round(mm_to_px(SLACK_MM, dpi)))
    found = cv2.dilate(_dark(crop(registered, box, margin)),
                       np.ones((2 * slack + 1, 2 * slack + 1), np.uint8))
    if found.shape != printed.shape:
        return False
    return int(np.count_nonzero(found & printed)) >= VISIBLE_SHARE * total
