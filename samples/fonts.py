"""The fonts used to print forms and to fill them in.

Debian packages: fonts-ipafont (the form, typed data), fonts-ocr-b (the 接種券 OCR line),
fonts-seto, fonts-klee, fonts-kiloji (handwriting-like fills).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

IPA_GOTHIC = Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf")
IPA_MINCHO = Path("/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf")
OCR_B = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
HANDWRITING = (
    Path("/usr/share/fonts/truetype/seto/setofont.ttf"),
    Path("/usr/share/fonts/truetype/klee/KleeOne-Regular.ttf"),
    Path("/usr/share/fonts/truetype/klee/KleeOne-SemiBold.ttf"),
    Path("/usr/share/fonts/truetype/kiloji/kiloji.ttf"),
)


@cache
def _ttfont(path: Path) -> TTFont:
    if not path.exists():
        raise FileNotFoundError(f"font not found: {path} (see samples/fonts.py for packages)")
    return TTFont(path.stem, str(path))


@cache
def reportlab_font(path: Path = IPA_GOTHIC) -> str:
    """Register the TTF with reportlab once (it is embedded in the PDF) and return its name."""
    font = _ttfont(path)
    pdfmetrics.registerFont(font)
    return font.fontName


def covers(path: Path, text: str) -> bool:
    """Whether the TrueType font has a glyph for every character of `text`; handwriting fonts
    lack some of the rarer kanji, which a writer would then not be drawn with."""
    mapping = _ttfont(path).face.charToGlyph
    return all(ord(char) in mapping for char in text if not char.isspace())
