"""Simulates a sheet-fed scanner: skew, offset, pages fed upside down, sensor noise."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr.geometry import mm_to_px

MAX_ANGLE_DEG = 2.0
MAX_SHIFT_MM = 3.0
NOISE_SIGMA = 6.0


@dataclass(frozen=True)
class ScanParams:
    """How a page was scanned, kept in the truth JSON so tests can pick hard pages."""

    angle_deg: float
    shift_mm: tuple[float, float]
    upside_down: bool


def draw_params(rng: np.random.Generator, upside_down: bool) -> ScanParams:
    """Random skew and offset within the mild limits of this first sample set."""
    angle = float(rng.uniform(-MAX_ANGLE_DEG, MAX_ANGLE_DEG))
    shift = rng.uniform(-MAX_SHIFT_MM, MAX_SHIFT_MM, size=2)
    return ScanParams(round(angle, 3), (round(float(shift[0]), 3), round(float(shift[1]), 3)),
                      upside_down)


def scan(page: np.ndarray, params: ScanParams, rng: np.random.Generator, dpi: int) -> np.ndarray:
    """The grayscale page as the scanner would deliver it (same size, white outside the sheet)."""
    height, width = page.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), params.angle_deg, 1.0)
    matrix[0, 2] += mm_to_px(params.shift_mm[0], dpi)
    matrix[1, 2] += mm_to_px(params.shift_mm[1], dpi)
    skewed = cv2.warpAffine(page, matrix, (width, height), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    if params.upside_down:
        skewed = cv2.rotate(skewed, cv2.ROTATE_180)
    noise = rng.normal(0.0, NOISE_SIGMA, size=skewed.shape).astype(np.float32)
    return np.clip(skewed.astype(np.float32) + noise, 0, 255).astype(np.uint8)
