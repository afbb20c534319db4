"""Ink found the way a reader sees it: darker than the paper around it, not darker than a
fixed gray level.

A fixed level (gray < 140) loses pencil and light ballpoint (gray 120-190 on paper 230-255)
and calls a shadowed or photographed page's paper ink. Here each pixel is compared with two
local references: the paper near it (the brightest level of a window wider than any stroke)
and the darkest ink near it (the core of the stroke it belongs to). A pixel is ink when it
is darker than the midpoint of the two, so that a stroke keeps its natural width whatever
its darkness, and only where that stroke stands out of the paper by clearly more than the
page's noise. For dark ink the midpoint lies below `DARK_INK_LEVEL`, and the level stays at
that fixed value, so black writing is cut exactly as before.
"""

from __future__ import annotations

import cv2
import numpy as np

DARK_INK_LEVEL = 140
"""The level dark ink is cut at, the former fixed threshold: the readers' line models were
tuned on strokes cut there, and a black stroke's midpoint (paper 245, core 20-40) is ~135."""
WHITE_PAPER = 235.0
"""Paper at least this bright is white (scanners lift office paper to 240-255); on darker
paper (a shadow, a phone photo) the dark-ink level falls in proportion, so that a stroke
keeps its width instead of swelling by its blurred edge."""
PAPER_WINDOW_PX = 61
"""Window of the paper estimate (5 mm at 300 dpi): wider than any stroke or tick-box fill
(3.2 mm), so that it always reaches paper, and narrow enough to follow a phone photo's
uneven light."""
STROKE_WINDOW_PX = 9
"""Window of the darkest-ink estimate: a pixel on a stroke's edge sees the stroke's core
(pencil 0.3 mm is 3-4 px at 300 dpi, a pen 0.5 mm 6 px)."""
MIN_CONTRAST = 16
"""Least darkening below the paper that counts as ink. Measured on registered generated
office pages: a thin pencil tick (level 186) darkens the paper by 15-60, the paper of clean
and office scans (lifted to 255 by the scanner) varies by under 10 away from print; near
print the dark-ink level applies instead, so JPEG ringing there is no ink. At 28 those
ticks broke into specks and read as confident blanks; at 20 with a pixel-to-pixel noise
measure, poor pages' blotchy JPEG noise became writing."""
NOISE_FACTOR = 4.0
"""Ink must also darken by this many times the paper's noise (see noise_level), which
matters on poor and fax-like pages (noise 3-6 after the scanner's blur)."""


def paper_level(gray: np.ndarray, window_px: int = PAPER_WINDOW_PX) -> np.ndarray:
    """The paper's gray level around each pixel: the brightest of a window after a median
    removes single noisy pixels, smoothed so that it follows light, not text."""
    return _paper(gray, window_px).astype(np.float32)


def _paper(gray: np.ndarray, window_px: int) -> np.ndarray:
    """paper_level in whole gray levels (uint8), which it is."""
    smooth = cv2.medianBlur(gray, 5)
    window = max(3, window_px | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (window, window))
    return cv2.blur(cv2.dilate(smooth, kernel), (window, window))


def _median(counts: np.ndarray) -> float:
    """Median (the mean of the middle two for an even count) of values given as counts of
    0, 1, 2, ...: exactly np.median's, in one pass instead of a sort."""
    total = int(counts.sum())
    cumulative = np.cumsum(counts)
    low = int(np.searchsorted(cumulative, (total - 1) // 2, side="right"))
    high = int(np.searchsorted(cumulative, total // 2, side="right"))
    return (low + high) / 2


def noise_level(gray: np.ndarray, paper: np.ndarray) -> float:
    """Robust standard deviation of the paper around its level (median absolute deviation
    of the pixels that are not clearly ink): it sees the blotchy noise of a poor JPEG that
    a pixel-to-pixel measure misses. Both levels are whole gray values, so the medians are
    taken from a histogram of the darkening (the deviations at half steps, doubled)."""
    darker = paper.astype(np.int16) - gray.astype(np.int16)
    counts = np.bincount(darker.ravel() + 255, minlength=511)[:255 + 2 * MIN_CONTRAST]
    if not counts.any():
        return 0.0
    middle = _median(counts)
    deviations = np.abs(2 * np.arange(counts.size) - round(2 * middle))
    return 1.4826 * (_median(np.bincount(deviations, weights=counts)) / 2)


STROKE_KERNEL = np.ones((STROKE_WINDOW_PX, STROKE_WINDOW_PX), np.uint8)
LEVELS = np.arange(256, dtype=np.float32)
"""Every paper level, in the float32 the levels were first computed in."""


def _bound(levels: np.ndarray) -> np.ndarray:
    """For each paper level, the number of gray values below its `levels` entry (uint8): a
    gray value g is below the level exactly when g < that number. No level reaches 255
    (the paper less the margin is at most 239)."""
    return np.clip(np.ceil(levels), 0, 255).astype(np.uint8)


_DARK_BOUND = _bound(DARK_INK_LEVEL * np.minimum(np.float32(1.0),
                                                 LEVELS / np.float32(WHITE_PAPER)))
"""The dark-ink level's bound per paper level (it falls with the paper below WHITE_PAPER)."""


def ink_mask(gray: np.ndarray, paper_window_px: int = PAPER_WINDOW_PX) -> np.ndarray:
    """255 where there is ink (see the module docstring); an empty crop stays empty.

    A pixel is ink where it is darker than `level` = min(max(dark-ink level, midpoint of
    paper and core), paper - margin) and its stroke stands out of the paper by `margin`.
    Every level is known per paper level, so each test is an integer comparison (OpenCV's,
    on whole gray values) against a table made once per crop with the float32 arithmetic the
    levels were first computed in: the same pixels as float images (1,200 crops of office,
    poor and photo pages compared), a fifth less time; ink masks are a tenth of reading a
    page."""
    if gray.size == 0:
        return np.zeros(gray.shape, np.uint8)
    paper = _paper(gray, paper_window_px)
    core = cv2.erode(cv2.GaussianBlur(gray, (3, 3), 0), STROKE_KERNEL)
    margin = np.float32(max(MIN_CONTRAST, NOISE_FACTOR * noise_level(gray, paper)))
    below_dark = cv2.compare(gray, cv2.LUT(paper, _DARK_BOUND), cv2.CMP_LT)
    below_middle = cv2.compare(cv2.add(gray, gray, dtype=cv2.CV_16S),
                               cv2.add(paper, core, dtype=cv2.CV_16S), cv2.CMP_LT)
    below_margin = cv2.compare(gray, cv2.LUT(paper, _bound(LEVELS - margin)), cv2.CMP_LT)
    _, stands_out = cv2.threshold(cv2.subtract(paper, core), float(np.ceil(margin)) - 1, 255,
                                  cv2.THRESH_BINARY)
    return cv2.bitwise_and(cv2.bitwise_and(cv2.bitwise_or(below_dark, below_middle),
                                           below_margin), stands_out)


SEEN_REACH_PX = 5
"""Neighbourhood of the binarised strokes kept from the scan by as_seen: a stroke's soft edge
(two pixels either side at 300 dpi)."""


def lift_paper(gray: np.ndarray) -> np.ndarray:
    """The scan with its paper lifted to white (each pixel over the paper around it), so that
    a stroke keeps its shading on a shadowed page or a photo's uneven light."""
    lifted = 255.0 * gray.astype(np.float32) / np.maximum(paper_level(gray), 1.0)
    return np.clip(lifted, 0, 255).astype(np.uint8)


def as_seen(lifted: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """The writing as the scanner saw it: `lifted` (lift_paper) where the binarised `ink` of
    the same shape has a stroke or its soft edge, white elsewhere (box lines and struck-out
    attempts already taken out of `ink` stay out). PP-OCR, trained on natural images, reads
    this better than the binarised line, and the two recognisers then do not see one image."""
    keep = cv2.dilate(ink, np.ones((SEEN_REACH_PX, SEEN_REACH_PX), np.uint8)) > 0
    return np.where(keep, lifted, 255).astype(np.uint8)
