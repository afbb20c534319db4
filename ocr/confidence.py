"""Turns Tesseract's character confidences into field confidences that flag wrong readings.

A field is only as sure as its least sure character, so the lowest symbol confidence ranks
a reading. Measured on generated office and poor pages, that alone still lets a few confident
misreadings through (7 read as 9, a handwritten 0 as 9), so a reading good enough to pass is
read a second time from another rendering and passes only if both agree. A text field, slow
to read, spends the second read only there: if it cannot pass anyway it goes to a person
without it.
"""

from __future__ import annotations

from collections.abc import Iterable

from ocr.tesseract import Word

ACCEPT = 0.90
"""The pipeline's default review threshold: a confirmed reading scores at least this."""
UNCONFIRMED_CAP = 0.85
"""Ceiling for a reading that was not confirmed, so that it never passes the threshold."""
DISAGREED_CAP = 0.3


def lowest_symbol(words: Iterable[Word], ignore: str = "") -> float:
    """The least confident character (0..1) of the words, `ignore` characters left out;
    0 when nothing was read."""
    confidences = [symbol.confidence for word in words for symbol in word.symbols
                   if symbol.text.strip() and symbol.text not in ignore]
    return min(confidences, default=0.0) / 100


def field_confidence(lowest: float, floor: float, agreed: bool | None) -> float:
    """Field confidence from the lowest character confidence and the confirming read, which
    is made only when `lowest` reaches `floor` (`agreed` None when there was none).
    Confirmed readings map [floor, 1] onto [ACCEPT, 1]; all others stay below ACCEPT."""
    if agreed is None or lowest < floor:
        return UNCONFIRMED_CAP * lowest
    if not agreed:
        return DISAGREED_CAP * lowest
    return ACCEPT + (1 - ACCEPT) * (lowest - floor) / (1 - floor)
