"""Binarisation and box-line removal shared by the field readers."""

from __future__ import annotations

import cv2
import numpy as np

from ocr.ink import ink_mask as relative_ink

PAD_PX = 16
STRIKE_BAND = (0.2, 0.8)
"""Share of a line crop's height within which a long horizontal line strikes out writing."""


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """255 where there is ink, found relative to the paper around it (ocr.ink), so that
    pencil and light ballpoint count and a shadowed page's paper does not; black writing
    is cut as at the former fixed level."""
    return relative_ink(gray)


def remove_lines(ink: np.ndarray, min_h_px: int, min_v_px: int) -> np.ndarray:
    """Ink without straight runs at least this long: the printed boxes, not the writing.

    Beyond the crop is paper: with OpenCV's default border an opening takes a stroke that
    merely touches the crop's edge for a run as long as the kernel, and a kernel taller than
    the crop (meant to remove no vertical line at all) took away every vertical stroke of
    large writing that reached the top or bottom of an address line."""
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                                  cv2.getStructuringElement(cv2.MORPH_RECT, (min_h_px, 1)),
                                  borderType=cv2.BORDER_CONSTANT, borderValue=0)
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                                cv2.getStructuringElement(cv2.MORPH_RECT, (1, min_v_px)),
                                borderType=cv2.BORDER_CONSTANT, borderValue=0)
    lines = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((3, 3), np.uint8))
    cleaned = cv2.bitwise_and(ink, cv2.bitwise_not(lines))
    return cv2.morphologyEx(cleaned, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))


def strike_out(ink: np.ndarray, min_len_px: int) -> np.ndarray:
    """Ink with every struck-through stretch blanked: a writer who corrects a field draws one
    or two lines through the first attempt and writes again beside it. A long horizontal line
    through the middle band of a line crop is such a strike (the printed frame, cut away by
    the inset, can only leave remnants at the top or bottom edge); everything between its
    ends, with a margin of the stroke gap, belongs to the struck attempt."""
    height = ink.shape[0]
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (min_len_px, 1)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(lines)
    cleaned = ink.copy()
    margin = max(2, height // 10)
    for left, top, width, rows, _ in stats[1:count]:
        middle = top + rows / 2
        if STRIKE_BAND[0] * height <= middle <= STRIKE_BAND[1] * height:
            cleaned[:, max(0, left - margin):left + width + margin] = 0
    return cleaned


def on_paper(image: np.ndarray) -> np.ndarray:
    """A dark-on-white line with a white margin of PAD_PX, as the recognisers are given it."""
    return cv2.copyMakeBorder(image, PAD_PX, PAD_PX, PAD_PX, PAD_PX, cv2.BORDER_CONSTANT,
                              value=255)


def for_tesseract(ink: np.ndarray) -> np.ndarray:
    """Black text on white with a margin, which is what Tesseract is trained on."""
    return on_paper(cv2.bitwise_not(ink))


def crop(image: np.ndarray, box: tuple[int, int, int, int], margin: int = 0) -> np.ndarray:
    """The pixels of `box` grown (or, negative, shrunk) by `margin`, clipped to the image."""
    x, y, w, h = box
    height, width = image.shape[:2]
    top, bottom = max(0, y - margin), min(height, y + h + margin)
    left, right = max(0, x - margin), min(width, x + w + margin)
    return image[top:bottom, left:right]


def scale_to_height(ink: np.ndarray, height_px: int) -> np.ndarray:
    """Binary ink resized to `height_px` rows, kept binary."""
    scale = height_px / ink.shape[0]
    resized = cv2.resize(ink, None, fx=scale, fy=scale,
                         interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    return cv2.threshold(resized, 127, 255, cv2.THRESH_BINARY)[1]


def trim(ink: np.ndarray) -> np.ndarray:
    """The ink cropped to its bounding box (the input must have some ink)."""
    x, y, w, h = cv2.boundingRect(cv2.findNonZero(ink))
    return ink[y:y + h, x:x + w]
