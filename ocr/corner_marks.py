"""The printed corner marks: where a form has them, and finding one near where it should be.

Marks are searched only in small windows around a predicted place, so that a stray dark
blob elsewhere on the page (a stamp, a filled box) cannot be mistaken for one.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocr.fieldmap import FormSpec
from ocr.geometry import mm_to_px

MARK_AREA_TOLERANCE = 0.45
MARK_MIN_FILL = 0.8
MARK_MIN_ASPECT = 0.7


def marks_px(spec: FormSpec, dpi: int) -> np.ndarray:
    """Centres of the form's marks, in the order of the field map, in pixels at `dpi`."""
    return np.array([[mm_to_px(m.x, dpi), mm_to_px(m.y, dpi)] for m in spec.marks])


def find_mark(gray: np.ndarray, centre: np.ndarray, size_px: float, margin_px: float
              ) -> np.ndarray | None:
    """Centroid of the solid square nearest to `centre`, or None if there is none."""
    half = size_px / 2 + margin_px
    height, width = gray.shape
    left, top = max(0, int(centre[0] - half)), max(0, int(centre[1] - half))
    right, bottom = min(width, int(centre[0] + half)), min(height, int(centre[1] + half))
    if right - left < size_px or bottom - top < size_px:
        return None
    window = gray[top:bottom, left:right]
    _, ink = cv2.threshold(window, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(ink, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    expected = size_px * size_px
    best: tuple[float, np.ndarray] | None = None
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if x == 0 or y == 0 or x + w == ink.shape[1] or y + h == ink.shape[0]:
            continue  # cut by the window: part of a mark off the page, or not where it should be
        area = cv2.contourArea(contour)
        if abs(area - expected) > MARK_AREA_TOLERANCE * expected:
            continue
        (_, (rect_w, rect_h), _) = cv2.minAreaRect(contour)
        squarish = min(rect_w, rect_h) >= MARK_MIN_ASPECT * max(rect_w, rect_h)
        if not squarish or area < MARK_MIN_FILL * rect_w * rect_h:
            continue
        moments = cv2.moments(contour)
        found = np.array([moments["m10"] / moments["m00"] + left,
                          moments["m01"] / moments["m00"] + top])
        distance = float(np.linalg.norm(found - centre))
        if best is None or distance < best[0]:
            best = (distance, found)
    return None if best is None else best[1]


def find_marks(gray: np.ndarray, predicted: np.ndarray, size_px: float, margin_px: float
               ) -> list[np.ndarray | None]:
    """Each mark found near its predicted centre (None where it is missing)."""
    return [find_mark(gray, centre, size_px, margin_px) for centre in predicted]


def mark_names(spec: FormSpec) -> list[str]:
    """'top-left' … for each mark, the words scanning staff look for on the sheet."""
    width, height = spec.page_mm
    return [f"{'top' if m.y < height / 2 else 'bottom'}-{'left' if m.x < width / 2 else 'right'}"
            for m in spec.marks]


def missing_text(spec: FormSpec, found: list[np.ndarray | None]) -> str:
    """'top-left, bottom-right' for the marks that were not found."""
    names = mark_names(spec)
    return ", ".join(names[index] for index, point in enumerate(found) if point is None)
