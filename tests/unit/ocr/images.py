"""Images the reader tests read: text rendered in a font, and field crops of generated pages
(kept in tests/data) put back on their form, so that a test reads one field exactly as its
page read it, without the page's other writing."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr import FieldSpec, FormSpec
from ocr.geometry import box_to_px, mm_to_px
from ocr.template import blank_page

DPI = 300
DATA = Path(__file__).parents[2] / "data"
MARGIN_PX = 15
"""Each crop is the field's box as registered with this much around it."""
FONTS = (Path("/usr/share/fonts/truetype/klee/KleeOne-Regular.ttf"),
         Path("/usr/share/fonts/truetype/yusei-magic/YuseiMagic-Regular.ttf"),
         Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"))


def rendered(text: str, font: Path, size: int = 44) -> np.ndarray:
    """Black text on white with a small margin, as a field's line reaches the reader."""
    face = ImageFont.truetype(str(font), size)
    image = Image.new("L", (int(face.getlength(text)) + 24, size + 24), 255)
    ImageDraw.Draw(image).text((12, 12), text, font=face, fill=0)
    return np.array(image)


def boxed(spec: FormSpec) -> FormSpec:
    """`spec` as printed before its vaccination date was underlined, a box per digit: the
    crops kept here were scanned from that printing, and the tests of writing over a box's
    lines need the lines."""
    return next(printing for printing in spec.printings
                if not printing.field("vaccination_date").underline)


def field_on_blank(spec: FormSpec, key: str, crop: str) -> tuple[np.ndarray, FieldSpec]:
    """A blank `spec` form, in the printing most crops were scanned from (boxed), with `crop`
    pasted where field `key` is, and that field."""
    return field_on_printing(boxed(spec), key, crop)


def field_on_printing(spec: FormSpec, key: str, crop: str) -> tuple[np.ndarray, FieldSpec]:
    """The blank printing `spec` with `crop`, scanned from that printing, pasted where field
    `key` is, and that field."""
    field = spec.field(key)
    page = np.array(blank_page(spec, DPI))
    x, y, w, h = box_to_px(field.box, DPI)
    page[y - MARGIN_PX:y + h + MARGIN_PX, x - MARGIN_PX:x + w + MARGIN_PX] = cv2.imread(
        str(DATA / crop), cv2.IMREAD_GRAYSCALE)
    return page, field


def date_written(spec: FormSpec, digits: str, raise_mm: float = 0.0) -> np.ndarray:
    """The blank `spec` with `digits` (YYYYMMDD) written one per place of its vaccination
    date, each 6 mm high and standing `raise_mm` higher than the middle of its place."""
    field = spec.field("vaccination_date")
    page = Image.fromarray(blank_page(spec, DPI).copy())
    draw = ImageDraw.Draw(page)
    face = ImageFont.truetype(str(FONTS[0]), round(mm_to_px(8.0, DPI)))
    places = [(row.box[0] + (index + 0.5) * row.box[2] / row.chars, row.box[1] + row.box[3] / 2)
              for row in field.digit_rows for index in range(row.chars)]
    for digit, (x, y) in zip(digits, places, strict=True):
        draw.text((mm_to_px(x, DPI), mm_to_px(y - raise_mm, DPI)), digit, font=face, fill=0,
                  anchor="mm")
    return np.array(page)
