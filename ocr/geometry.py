"""Millimetre to pixel conversion shared by the recogniser and the sample generator."""

from __future__ import annotations

MM_PER_INCH = 25.4


def mm_to_px(mm: float, dpi: float) -> float:
    """Pixels for a length in mm at `dpi`."""
    return mm * dpi / MM_PER_INCH


def box_to_px(box: tuple[float, float, float, float], dpi: int) -> tuple[int, int, int, int]:
    """A mm box as whole pixels; edges are rounded so that adjacent boxes stay adjacent."""
    x, y, w, h = box
    left, top = round(mm_to_px(x, dpi)), round(mm_to_px(y, dpi))
    right, bottom = round(mm_to_px(x + w, dpi)), round(mm_to_px(y + h, dpi))
    return left, top, right - left, bottom - top
