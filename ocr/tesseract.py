"""The one place that calls Tesseract, so that swapping in an in-process engine stays local."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pytesseract

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
"""Tesseract's OpenMP threads only contend on small field crops; parallelism comes from
reading several fields at once instead (see ocr.page)."""

LINE_MODE = 7
"""--psm 7: the image is a single text line, which every text field crop is."""
WORD_MODE = 8
"""--psm 8: a single word; packed digit strips read more reliably this way than as a line."""


@dataclass(frozen=True)
class Word:
    """A recognised word with its confidence (0..100) and position in the crop."""

    text: str
    confidence: float
    left: int
    width: int
    height: int


def read_line(image: np.ndarray, lang: str, whitelist: str | None = None,
              psm: int = LINE_MODE) -> list[Word]:
    """Words of a single-line crop (dark text on white), left to right."""
    config = f"--psm {psm}"
    if whitelist:
        config += f" -c tessedit_char_whitelist={whitelist}"
    data = pytesseract.image_to_data(image, lang=lang, config=config,
                                     output_type=pytesseract.Output.DICT)
    words = [
        Word(text.strip(), float(conf), left, width, height)
        for text, conf, left, width, height in zip(
            data["text"], data["conf"], data["left"], data["width"], data["height"], strict=True)
        if text.strip() and float(conf) >= 0
    ]
    return sorted(words, key=lambda word: word.left)
