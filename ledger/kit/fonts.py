"""The Japanese font every printed document of the ledger uses (certificates, notices)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

IPA_GOTHIC = Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf")
FONT_NAME = "IPAGothic"


@lru_cache(maxsize=1)
def japanese_font() -> str:
    """Parse and register the TTF once per process: parsing the 6 MB font costs as much as a
    whole render. reportlab embeds only the subset of glyphs each PDF uses."""
    if not IPA_GOTHIC.exists():
        raise FileNotFoundError(f"font not found: {IPA_GOTHIC} (Debian package fonts-ipafont)")
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(IPA_GOTHIC)))
    return FONT_NAME
