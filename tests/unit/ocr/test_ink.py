"""Ink found relative to the paper around it: pencil counts, paper never does."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr.cleanup import ink_mask
from ocr.ink import DARK_INK_LEVEL, MIN_CONTRAST, noise_level, paper_level

SIZE = (120, 240)


def _page(paper: int, ink: int, width: int = 3, sigma: float = 0.0, light: float = 1.0
          ) -> tuple[np.ndarray, np.ndarray]:
    """A crop of paper with a tick-like stroke of gray `ink`, and where the stroke is."""
    stroke = np.zeros(SIZE, np.uint8)
    cv2.line(stroke, (40, 60), (80, 95), 255, width)
    cv2.line(stroke, (80, 95), (160, 20), 255, width)
    page = np.where(stroke > 0, ink, paper).astype(np.float32)
    page = cv2.GaussianBlur(page, (0, 0), 0.8)
    # a photo's light: the whole crop dimmed to `light`, falling by another tenth across it
    # (a tenth over 2 cm is a steep fall for a page lit from one side)
    page *= light * np.linspace(1.0, 0.9, SIZE[1], dtype=np.float32)[None, :]
    page += np.random.default_rng(3).normal(0, sigma, SIZE).astype(np.float32)
    return np.clip(page, 0, 255).astype(np.uint8), stroke


@pytest.mark.parametrize("paper", [230, 245, 255])
@pytest.mark.parametrize("ink", [120, 150, 170, 190])
def test_pencil_on_white_paper_is_ink(paper: int, ink: int) -> None:
    page, stroke = _page(paper, ink)
    found = ink_mask(page)
    assert np.count_nonzero(found & stroke) > 0.7 * np.count_nonzero(stroke)
    assert np.count_nonzero(found & ~stroke) < 0.5 * np.count_nonzero(stroke)


@pytest.mark.parametrize(("sigma", "light"), [(0.0, 1.0), (6.0, 1.0), (3.0, 0.55)])
def test_paper_alone_is_never_ink(sigma: float, light: float) -> None:
    page, _ = _page(245, 245, sigma=sigma, light=light)
    assert np.count_nonzero(ink_mask(page)) < 0.001 * page.size


def test_a_phone_photo_darkened_to_gray_keeps_its_writing_only() -> None:
    page, stroke = _page(245, 20, light=0.5)
    found = ink_mask(page)
    assert np.count_nonzero(found & stroke) > 0.8 * np.count_nonzero(stroke)
    assert np.count_nonzero(found & ~stroke) < 0.3 * np.count_nonzero(stroke)
    assert np.count_nonzero(page < DARK_INK_LEVEL) > np.count_nonzero(found)


def test_black_writing_is_cut_as_at_the_fixed_level() -> None:
    page, _ = _page(250, 10, width=5)
    fixed = page < DARK_INK_LEVEL
    found = ink_mask(page) > 0
    assert np.count_nonzero(found ^ fixed) <= 0.03 * np.count_nonzero(fixed)


@pytest.mark.parametrize("seed", range(6))
def test_noise_level_is_the_median_absolute_deviation(seed: int) -> None:
    """The histogram medians give exactly the sorted medians' robust deviation (odd and even
    counts, half-step medians), on paper with JPEG-like noise and writing."""
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(5, 80)), int(rng.integers(5, 80)))
    gray = np.clip(rng.normal(235, rng.uniform(0.5, 8), shape), 0, 255).astype(np.uint8)
    gray[rng.random(shape) < 0.1] = 60
    paper = paper_level(gray, 15)
    darker = paper - gray.astype(np.float32)
    sample = darker[darker < 2 * MIN_CONTRAST]
    expected = 1.4826 * float(np.median(np.abs(sample - np.median(sample))))
    assert noise_level(gray, paper) == expected
