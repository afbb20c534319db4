"""Comparing names as people write them: width, spacing and case must not make two equal
names differ."""

from __future__ import annotations

import unicodedata


def normalise(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()
