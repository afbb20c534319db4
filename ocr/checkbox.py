"""Reads marks from the share of ink inside a box: tick boxes (choice, check) and presence
fields such as a signature, where only whether anything is written matters."""

from __future__ import annotations

import numpy as np

from ocr.cleanup import crop, ink_mask
from ocr.fieldmap import Box, FieldSpec
from ocr.geometry import box_to_px, mm_to_px

INSET_MM = 0.7
"""Skip the printed frame (0.5 mm) plus a little registration slack."""
TICKED = 0.08
"""Ink share that separates a tick (typically 0.2-0.6) from an empty box (about 0)."""
AMBIGUOUS_CHOICE = 0.2
WRITTEN = 0.01
"""Ink share above which a presence box holds writing: a signature covers 3-15 % of its box,
scanner noise and a stray speck well under 0.5 %."""


def ink_ratio(gray: np.ndarray, box_mm: Box, dpi: int) -> float:
    """Share of ink pixels inside the box, its border excluded."""
    inner = crop(gray, box_to_px(box_mm, dpi), -round(mm_to_px(INSET_MM, dpi)))
    return float(np.count_nonzero(ink_mask(inner))) / max(inner.size, 1)


def _certainty(ratio: float, threshold: float = TICKED) -> float:
    """0.5 at the threshold, 1.0 when the ratio is clearly on one side of it."""
    return 0.5 + 0.5 * min(1.0, abs(ratio - threshold) / threshold)


def read_check(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[str, float]:
    """"true" when the box is ticked, else "false"."""
    ratio = ink_ratio(gray, field.box, dpi)
    return ("true" if ratio > TICKED else "false"), _certainty(ratio)


def read_presence(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[str, float]:
    """"true" when anything is written in the box (a signature), else "false"."""
    ratio = ink_ratio(gray, field.box, dpi)
    return ("true" if ratio > WRITTEN else "false"), _certainty(ratio, WRITTEN)


def read_choice(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[str, float]:
    """The ticked option's value, "" when none is ticked; two ticks give a low confidence."""
    ratios = [ink_ratio(gray, option.box, dpi) for option in field.options]
    confidence = min(_certainty(ratio) for ratio in ratios)
    ticked = [index for index, ratio in enumerate(ratios) if ratio > TICKED]
    if not ticked:
        return "", confidence
    best = max(ticked, key=lambda index: ratios[index])
    if len(ticked) > 1:
        return field.options[best].value, min(confidence, AMBIGUOUS_CHOICE)
    return field.options[best].value, confidence
