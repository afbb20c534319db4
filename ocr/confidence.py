"""Field confidences that flag wrong readings: a value is sure only on independent evidence.

Tesseract's renderings of one crop share its blind spots (a handwritten 9 read as 4 in every
one of them, at 0.94-0.99), so one engine agreeing with itself proves nothing. A field is
sure only when Tesseract and the second engine, PP-OCR (ocr.ppocr), give the same value
once both are folded (ocr.variants) and each is sure enough of its least sure character.
Where they disagree, a person sees the field whatever either engine's confidence. The value
shown is PP-OCR's: on hands the readers were not tuned on it is right far more often (names
92 % against 60 %, digit strips 100 % against 89 %).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ocr.tesseract import Word

ACCEPT = 0.90
"""The pipeline's default review threshold: a confirmed reading scores at least this."""
UNCONFIRMED_CAP = 0.85
"""Ceiling for a value that is not confirmed: the engines disagree, or one is unsure. Such a
value is PP-OCR's, and its own lowest character probability is a fair measure of it:
measured on 300 generated pages in hands the readers were not tuned on, PP-OCR's unconfirmed
names and addresses were right in 95 % of fields at 0.85 and above, 78 % at 0.6-0.85 and
45 % at 0.3-0.6."""


@dataclass(frozen=True)
class Floors:
    """Lowest character confidence (0..1) of each engine with which an agreed value passes:
    the checker (Tesseract; for a digit strip Tesseract fails to confirm, ddddocr: ocr.dddd)
    and PP-OCR, whose value it checks."""

    checker: float
    ppocr: float


def lowest_symbol(words: Iterable[Word], ignore: str = "") -> float:
    """The least confident character (0..1) of the words, `ignore` characters left out;
    0 when nothing was read."""
    confidences = [symbol.confidence for word in words for symbol in word.symbols
                   if symbol.text.strip() and symbol.text not in ignore]
    return min(confidences, default=0.0) / 100


def unconfirmed(ppocr: float) -> float:
    """Confidence of PP-OCR's value when it is not confirmed, from its least sure character:
    always below ACCEPT. A reader that finds PP-OCR below its floor calls this directly and
    saves Tesseract's reading, which could not make the value pass."""
    return UNCONFIRMED_CAP * ppocr


def cross_checked(agreed: bool, checker: float, ppocr: float, floors: Floors) -> float:
    """Confidence of PP-OCR's value from whether the checker's reading agrees and both
    engines' lowest character confidences.

    Agreed values with both engines at or above their floors map onto [ACCEPT, 1] by the
    engine nearer its floor; all others are unconfirmed, whatever the checker's confidence."""
    if not agreed or checker < floors.checker or ppocr < floors.ppocr:
        return unconfirmed(ppocr)
    margin = min((checker - floors.checker) / (1 - floors.checker),
                 (ppocr - floors.ppocr) / (1 - floors.ppocr))
    return ACCEPT + (1 - ACCEPT) * margin
