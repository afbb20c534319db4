"""The one place that calls Tesseract: in-process through tesserocr, one loaded engine per
thread and language, so a field costs a recognition and not a process start and model load.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tesserocr

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
"""Tesseract's OpenMP threads only contend on small field crops; parallelism comes from
reading several fields at once instead (see ocr.page)."""

LINE_MODE = tesserocr.PSM.SINGLE_LINE
"""The image is a single text line, which every text field crop is."""
RAW_LINE_MODE = tesserocr.PSM.RAW_LINE
"""A single line without Tesseract's own layout analysis, which on some clearly written
lines (a short name with a wide space) finds no text line at all and returns nothing."""
WORD_MODE = tesserocr.PSM.SINGLE_WORD
"""A single word; packed digit strips read more reliably this way than as a line."""
CHAR_MODE = tesserocr.PSM.SINGLE_CHAR
"""A single character: a one-box digit field, which word mode at 64 px often reads as nothing."""
TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                 "/usr/share/tessdata", "/usr/local/share/tessdata")
"""Where Debian's tesseract-ocr-* packages put the models; the tesserocr wheel brings its own
library but no models. TESSDATA_PREFIX, when set, wins."""


@dataclass(frozen=True)
class Symbol:
    """One recognised character with its confidence (0..100)."""

    text: str
    confidence: float


@dataclass(frozen=True)
class Word:
    """A recognised word with its confidence (0..100), position in the crop and characters."""

    text: str
    confidence: float
    left: int
    width: int
    height: int
    symbols: tuple[Symbol, ...] = ()


def _tessdata() -> str:
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        return prefix
    for directory in TESSDATA_DIRS:
        if (Path(directory) / "eng.traineddata").exists():
            return directory
    raise RuntimeError("Tesseract models not found: install tesseract-ocr-jpn or set "
                       "TESSDATA_PREFIX")


_local = threading.local()


def _engine(lang: str) -> tesserocr.PyTessBaseAPI:
    """This thread's engine for `lang`, loaded on first use: an engine is not thread-safe and
    loading a model costs far more than a field's recognition.

    The engine never reads a line a second time inverted (light on dark, which Tesseract
    tries on every line it is unsure of): every crop given to it is dark writing on white.
    Measured on 542 field crops of 40 generated photo pages, that second try cost 17 % of
    Tesseract's time and changed only readings below confidence 0.6, which no field uses."""
    engines: dict[str, tesserocr.PyTessBaseAPI] = _local.__dict__.setdefault("engines", {})
    if lang not in engines:
        engine = tesserocr.PyTessBaseAPI(path=_tessdata(), lang=lang, oem=tesserocr.OEM.LSTM_ONLY)
        engine.SetVariable("tessedit_do_invert", "0")
        engines[lang] = engine
    return engines[lang]


def _symbols(iterator: tesserocr.PyResultIterator) -> tuple[Symbol, ...]:
    """The characters of the word the iterator is on."""
    symbols = []
    level = tesserocr.RIL.SYMBOL
    while True:
        text = "" if iterator.Empty(level) else iterator.GetUTF8Text(level)
        if text:
            symbols.append(Symbol(text, iterator.Confidence(level)))
        if iterator.IsAtFinalElement(tesserocr.RIL.WORD, level):
            return tuple(symbols)
        iterator.Next(level)


def read_line(image: np.ndarray, lang: str, whitelist: str | None = None,
              psm: int = LINE_MODE) -> list[Word]:
    """Words of a single-line crop (dark text on white, uint8 gray), left to right."""
    api = _engine(lang)
    api.SetPageSegMode(psm)
    api.SetVariable("tessedit_char_whitelist", whitelist or "")
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = image.shape
    api.SetImageBytes(image.tobytes(), width, height, 1, width)
    api.SetSourceResolution(300)
    api.Recognize()
    iterator = api.GetIterator()
    words: list[Word] = []
    if iterator is None:
        return words
    level = tesserocr.RIL.WORD
    while True:
        text = "" if iterator.Empty(level) else iterator.GetUTF8Text(level).strip()
        box = iterator.BoundingBox(level)
        if text and box is not None:
            left, top, right, bottom = box
            words.append(Word(text, iterator.Confidence(level), left, right - left,
                              bottom - top, _symbols(iterator)))
        if not iterator.Next(level):
            break
    api.Clear()
    return sorted(words, key=lambda word: word.left)
