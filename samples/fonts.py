"""The Japanese fonts used to print forms and to fill them in (Debian fonts-ipafont)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

IPA_GOTHIC = Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf")
IPA_MINCHO = Path("/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf")


@cache
def reportlab_font(path: Path = IPA_GOTHIC) -> str:
    """Register the TTF with reportlab once (it is embedded in the PDF) and return its name."""
    if not path.exists():
        raise FileNotFoundError(f"font not found: {path} (install fonts-ipafont)")
    name = path.stem
    pdfmetrics.registerFont(TTFont(name, str(path)))
    return name
