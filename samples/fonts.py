"""The fonts used to print forms and to fill them in.

Debian packages (scripts/setup.sh installs them): fonts-ipafont (the form, typed data),
fonts-ocr-b (the 接種券 OCR line); handwriting-like fills from fonts-seto, fonts-klee,
fonts-kiloji, fonts-yozvox-yozfont-standard-kana, fonts-aoyagi-soseki, fonts-kouzan-mouhitsu
(brush pens), fonts-yusei-magic (marker), fonts-stick, fonts-rocknroll, fonts-motoya-l-maruberi,
fonts-komatuna; further printed faces for reception systems from fonts-ipaexfont-gothic,
fonts-takao-gothic, fonts-vlgothic, fonts-sawarabi-mincho.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

TRUETYPE = Path("/usr/share/fonts/truetype")
OPENTYPE = Path("/usr/share/fonts/opentype")
IPA_GOTHIC = OPENTYPE / "ipafont-gothic/ipag.ttf"
IPA_MINCHO = OPENTYPE / "ipafont-mincho/ipam.ttf"
OCR_B = OPENTYPE / "ocr-b/OCRB.otf"
HANDWRITING = (
    TRUETYPE / "seto/setofont.ttf",
    TRUETYPE / "klee/KleeOne-Regular.ttf",
    TRUETYPE / "klee/KleeOne-SemiBold.ttf",
    TRUETYPE / "kiloji/kiloji.ttf",
    TRUETYPE / "kiloji/kiloji_b.ttf",
    TRUETYPE / "kiloji/kiloji_d.ttf",
    TRUETYPE / "kiloji/kiloji_p.ttf",
    TRUETYPE / "yozvox-yozfont/YOzRS_.ttf",
    TRUETYPE / "yozvox-yozfont/YOzBS_.ttf",
    TRUETYPE / "aoyagi-soseki/aoyagi-soseki.ttf",
    TRUETYPE / "kouzan-mouhitsu/kouzan-mouhitsu.ttf",
    TRUETYPE / "yusei-magic/YuseiMagic-Regular.ttf",
    TRUETYPE / "stick/Stick-Regular.ttf",
    TRUETYPE / "rocknroll/RocknRollOne-Regular.ttf",
    TRUETYPE / "motoya-l-maruberi/MTLmr3m.ttf",
    TRUETYPE / "komatuna/komatuna-p.ttf",
)
"""Faces a writer is drawn with. Looked at side by side with names, addresses and digits:
these are legible and differ in stroke, proportion and digit shapes (open or closed 4,
hooked 1, 7 with a crossbar...). Left out: Kouzan's cursive (sōsho) and gyōsho faces and
Aoyagi Kouzan T (half the kana or kanji missing), Ume gothic (FreeType fails on its hinting)."""
PRINTED = (
    IPA_GOTHIC,
    IPA_MINCHO,
    OPENTYPE / "ipaexfont-gothic/ipaexg.ttf",
    TRUETYPE / "takao-gothic/TakaoPGothic.ttf",
    TRUETYPE / "vlgothic/VL-Gothic-Regular.ttf",
    TRUETYPE / "sawarabi-mincho/sawarabi-mincho-medium.ttf",
)
"""Faces of the clinics' reception systems that print personal data onto the form."""
PROBE_PX = 32
"""Size at which glyphs are compared with the font's missing-glyph shape."""


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


def text_width_mm(text: str, size_pt: float, path: Path = IPA_GOTHIC) -> float:
    """Printed width of `text` in the form's own font, to know where a label ends."""
    return pdfmetrics.stringWidth(text, reportlab_font(path), size_pt) * 25.4 / 72


@cache
def _probe(path: Path) -> ImageFont.FreeTypeFont:
    if not path.exists():
        raise FileNotFoundError(f"font not found: {path} (see samples/fonts.py for packages)")
    return ImageFont.truetype(str(path), PROBE_PX)


@cache
def _has_glyph(path: Path, char: str) -> bool:
    """A glyph is missing when it draws nothing or draws the font's .notdef shape; asked of
    FreeType, so OpenType (CFF) faces are judged the same way as TrueType ones."""
    font = _probe(path)
    mask = font.getmask(char)
    if mask.getbbox() is None:
        return False
    notdef = font.getmask("\U0010fffd")
    return mask.size != notdef.size or bytes(mask) != bytes(notdef)


def covers(path: Path, text: str) -> bool:
    """Whether the font has a glyph for every character of `text`; handwriting fonts lack
    some of the rarer kanji, which a writer would then not be drawn with."""
    return all(_has_glyph(path, char) for char in text if not char.isspace())
