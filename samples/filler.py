"""Prints field values onto a blank page raster, the way a clinic's printer and pen would.

Positions and sizes jitter a little so that the recogniser never sees a pixel-perfect page.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ocr.fieldmap import Box, FieldSpec, FormSpec
from ocr.geometry import box_to_px, mm_to_px
from samples.fonts import IPA_GOTHIC, IPA_MINCHO

TEXT_JITTER_MM = 1.0
"""Horizontal; vertical jitter is half of it, as the 8 mm kana box leaves little room."""
TEXT_INDENT_MM = 2.0
DIGIT_JITTER_MM = 0.6
SIZE_JITTER = 0.1
TEXT_HEIGHT = 0.6
"""Font size as a share of the text box height."""
DIGIT_HEIGHT_MM = 5.5
IDEOGRAPHIC_SPACE = "\u3000"


@cache
def _font(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size_px)


class _Filler:
    def __init__(self, image: Image.Image, rng: random.Random, dpi: int) -> None:
        self.draw = ImageDraw.Draw(image)
        self.rng = rng
        self.dpi = dpi
        self.font_path = rng.choice((IPA_GOTHIC, IPA_MINCHO))

    def px(self, mm: float) -> float:
        return mm_to_px(mm, self.dpi)

    def jitter(self, mm: float) -> float:
        return self.px(self.rng.uniform(-mm, mm))

    def sized(self, size_mm: float) -> ImageFont.FreeTypeFont:
        scale = 1 + self.rng.uniform(-SIZE_JITTER, SIZE_JITTER)
        return _font(self.font_path, round(self.px(size_mm * scale)))

    def digits(self, box: Box, chars: int, text: str) -> None:
        x, y, w, h = box_to_px(box, self.dpi)
        cell = w / chars
        font = self.sized(DIGIT_HEIGHT_MM)
        for index, char in enumerate(text[:chars]):
            cx = x + (index + 0.5) * cell + self.jitter(DIGIT_JITTER_MM)
            cy = y + h / 2 + self.jitter(DIGIT_JITTER_MM)
            self.draw.text((cx, cy), char, fill=0, font=font, anchor="mm")

    def text(self, box: Box, text: str) -> None:
        x, y, w, h = box_to_px(box, self.dpi)
        font = self.sized(box[3] * TEXT_HEIGHT)
        shown = text.replace(" ", IDEOGRAPHIC_SPACE)
        room = w - self.px(2 * TEXT_INDENT_MM)
        if self.draw.textlength(shown, font=font) > room:
            size = int(font.size * room / self.draw.textlength(shown, font=font))
            font = _font(self.font_path, size)
        left = x + self.px(TEXT_INDENT_MM) + self.jitter(TEXT_JITTER_MM)
        middle = y + h / 2 + self.jitter(TEXT_JITTER_MM / 2)
        self.draw.text((left, middle), shown, fill=0, font=font, anchor="lm")

    def tick(self, box: Box) -> None:
        """A pen tick or a filled blob, as people mark boxes both ways."""
        x, y, w, h = box_to_px(box, self.dpi)
        dx, dy = self.jitter(0.4), self.jitter(0.4)
        if self.rng.random() < 0.6:
            shape = ((0.15, 0.55), (0.42, 0.85), (0.9, 0.1))
            points = [(x + px * w + dx, y + py * h + dy) for px, py in shape]
            self.draw.line(points, fill=0, width=round(self.px(0.6)), joint="curve")
        else:
            inset = self.px(0.9)
            self.draw.ellipse((x + inset + dx, y + inset + dy, x + w - inset + dx,
                               y + h - inset + dy), fill=0)


def _fill_field(filler: _Filler, field: FieldSpec, value: str) -> None:
    if not value:
        return
    if field.type == "digits":
        filler.digits(field.box, field.chars or 0, value)
    elif field.type == "date":
        digits = value.replace("-", "")
        start = 0
        for row in field.parts:
            filler.digits(row.box, row.chars, digits[start:start + row.chars])
            start += row.chars
    elif field.type == "text":
        filler.text(field.box, value)
    elif field.type == "choice":
        for option in field.options:
            if option.value == value:
                filler.tick(option.box)
    elif value == "1":
        filler.tick(field.box)


def fill_page(blank: Image.Image, spec: FormSpec, values: dict[str, str], rng: random.Random,
              dpi: int) -> Image.Image:
    """A copy of `blank` (grayscale, at `dpi`) with `values` printed into their fields."""
    page = blank.copy()
    filler = _Filler(page, rng, dpi)
    for field in spec.fields:
        _fill_field(filler, field, values[field.key])
    return page
