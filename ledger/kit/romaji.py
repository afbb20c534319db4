"""A name's reading (フリガナ) in the Latin letters a Japanese passport uses (ヘボン式).

Passports drop long vowels (オオノ → ONO, サトウ → SATO, ユウコ → YUKO) and write ン before
B, M and P as M (ナンバ → NAMBA). The result is only a default: staff type the romaji from
the passport when the holder has one, and that always wins.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pykakasi

from ledger.kit.text import split_name


@lru_cache(maxsize=1)
def _converter() -> pykakasi.kakasi:
    return pykakasi.kakasi()


_LONG_VOWEL = re.compile(r"(o)[ou](?![aiueo])|(u)u(?![aiueo])")
"""A doubled vowel is long unless the second starts a syllable of its own (イノウエ: INOUE)."""


def _passport(word: str) -> str:
    hepburn = "".join(part["hepburn"] for part in _converter().convert(word)).replace("'", "")
    hepburn = re.sub(r"n(?=[bmp])", "m", hepburn)
    return _LONG_VOWEL.sub(r"\1\2", hepburn).upper()


def passport_romaji(kana: str) -> tuple[str, str]:
    """(FAMILY, GIVEN) from a reading written family first with a space between."""
    family, given = split_name(kana)
    return _passport(family), _passport(given)
