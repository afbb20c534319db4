"""Turns Tesseract's word confidences into field confidences that flag wrong readings.

Tesseract's own scores are low even for many correct field readings and sometimes high for
wrong ones. Reading each field twice, from two renderings at different sizes, and checking
that both readings agree separates the two far better; the word score then only ranks
within the agreeing and disagreeing groups.
"""

from __future__ import annotations

AGREED_FLOOR = 0.6
DISAGREED_CAP = 0.3


def two_read_confidence(word_confidence: float, agreed: bool) -> float:
    """Field confidence from the first read's lowest word confidence (0..1) and agreement."""
    if agreed:
        return AGREED_FLOOR + (1 - AGREED_FLOOR) * word_confidence
    return DISAGREED_CAP * word_confidence
