"""Fills a blank page raster the way a clinic's printer, a resident's pen and stickers would.

Per page a writer is drawn: personal data either pre-printed (typed) or handwritten in one of
the handwriting fonts, with per-character jitter of position, size and stroke; boxes marked
with ticks, circles, crosses or filled in; the 接種券 and the lot number as pasted stickers,
slightly rotated. A few fields are crossed out and rewritten, or overflow their box.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ocr.fieldmap import Box, FieldSpec, FormSpec
from ocr.geometry import box_to_px, mm_to_px
from samples.fonts import HANDWRITING, IPA_GOTHIC, IPA_MINCHO, OCR_B, covers

TYPED_SHARE = 0.35
"""Share of pages whose personal data is printed by the clinic's reception system."""
PERSONAL = ("name_kana", "name", "birth_date", "address", "phone", "insurer_number")
CROSSED_OUT_RATE = 0.02
OVERFLOW_RATE = 0.03
TEXT_JITTER_MM = 1.0
TEXT_INDENT_MM = 2.0
CHAR_JITTER_MM = 0.25
DIGIT_JITTER_MM = 0.6
SIZE_JITTER = 0.08
TEXT_HEIGHT = 0.6
DIGIT_HEIGHT_MM = 5.2
IDEOGRAPHIC_SPACE = "\u3000"
STICKER_PAPER = 246
STICKER_EDGE = 200
"""Sticker edges show as a faint gray line, lighter than any ink."""
TICKET_MM = (80.0, 38.0)
TICKET_LINE_FROM_TOP_MM = 32.0
OCR_DIGIT_MM = 3.6


@cache
def _font(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), max(6, size_px))


class _Filler:
    def __init__(self, image: Image.Image, rng: random.Random, dpi: int) -> None:
        self.image = image
        self.draw = ImageDraw.Draw(image)
        self.rng = rng
        self.dpi = dpi
        self.typed = rng.random() < TYPED_SHARE
        self.print_font = rng.choice((IPA_GOTHIC, IPA_MINCHO))
        self.hand_font = rng.choice(HANDWRITING)
        self.doctor_font = rng.choice(HANDWRITING)
        self.stroke = rng.choice((0, 0, 1))
        self.mark_style = rng.choice(("tick", "tick", "circle", "fill", "cross"))

    def px(self, mm: float) -> float:
        return mm_to_px(mm, self.dpi)

    def jitter(self, mm: float) -> float:
        return self.px(self.rng.uniform(-mm, mm))

    def hand_for(self, text: str, doctor: bool = False) -> Path:
        """The writer's font, or a printed one for characters it lacks (rare kanji)."""
        font = self.doctor_font if doctor else self.hand_font
        return font if covers(font, text) else IPA_MINCHO

    def write(self, x: float, middle: float, text: str, path: Path, size_px: float,
              room: float | None, hand: bool) -> float:
        """Text from `x` centred on `middle`, squeezed into `room` px; returns its end."""
        font = _font(path, round(size_px))
        if room is not None and self.draw.textlength(text, font=font) > room:
            font = _font(path, int(font.size * room / self.draw.textlength(text, font=font)))
        if not hand:
            self.draw.text((x, middle), text, fill=0, font=font, anchor="lm")
            return x + self.draw.textlength(text, font=font)
        for char in text:
            scale = 1 + self.rng.uniform(-SIZE_JITTER, SIZE_JITTER)
            glyph = _font(path, round(font.size * scale))
            self.draw.text((x, middle + self.jitter(CHAR_JITTER_MM)), char, fill=0, font=glyph,
                           anchor="lm", stroke_width=self.stroke, stroke_fill=0)
            x += self.draw.textlength(char, font=glyph) * self.rng.uniform(0.95, 1.08)
        return x

    def digits(self, box: Box, chars: int, text: str, hand: bool) -> None:
        x, y, w, h = box_to_px(box, self.dpi)
        cell = w / chars
        path = self.hand_font if hand else self.print_font
        size = self.px(DIGIT_HEIGHT_MM * (1 + self.rng.uniform(-SIZE_JITTER, SIZE_JITTER)))
        for index, char in enumerate(text[:chars]):
            jitter = DIGIT_JITTER_MM if hand else 0.15
            cx = x + (index + 0.5) * cell + self.jitter(jitter)
            cy = y + h / 2 + self.jitter(jitter)
            font = _font(path, round(size * (1 + (self.rng.uniform(-0.06, 0.06) if hand else 0))))
            self.draw.text((cx, cy), char, fill=0, font=font, anchor="mm",
                           stroke_width=self.stroke if hand else 0, stroke_fill=0)

    def text(self, box: Box, text: str, hand: bool, doctor: bool = False,
             wrong: str | None = None, overflow: bool = False) -> None:
        """A text field; `wrong` is first written and struck through, `overflow` is not
        squeezed into the box."""
        x, y, w, h = box_to_px(box, self.dpi)
        path = self.hand_for(text + (wrong or ""), doctor) if hand else self.print_font
        shown = text.replace(" ", IDEOGRAPHIC_SPACE)
        size = self.px(box[3] * TEXT_HEIGHT) * (1.1 if overflow else 1.0)
        left = x + self.px(TEXT_INDENT_MM) + self.jitter(TEXT_JITTER_MM)
        middle = y + h / 2 + self.jitter(TEXT_JITTER_MM / 2)
        room = None if overflow else x + w - self.px(TEXT_INDENT_MM) - left
        if wrong is not None:
            half = (x + w - left) * 0.4
            end = self.write(left, middle, wrong.replace(" ", IDEOGRAPHIC_SPACE), path, size,
                             half, hand)
            for offset in (-0.12, 0.12):
                line_y = middle + offset * size
                self.draw.line((left - 4, line_y, end + 4, line_y), fill=0,
                               width=round(self.px(0.35)))
            left = end + self.px(2)
            room = x + w - self.px(1) - left
        self.write(left, middle, shown, path, size, room, hand)

    def mark(self, box: Box) -> None:
        """A box marked the page's way: tick, circle, cross or filled in."""
        x, y, w, h = box_to_px(box, self.dpi)
        dx, dy = self.jitter(0.4), self.jitter(0.4)
        pen = round(self.px(0.5))
        if self.mark_style == "tick":
            shape = ((0.15, 0.55), (0.42, 0.85), (0.9, 0.1))
            points = [(x + px * w + dx, y + py * h + dy) for px, py in shape]
            self.draw.line(points, fill=0, width=pen, joint="curve")
        elif self.mark_style == "circle":
            inset = self.px(0.9)
            self.draw.ellipse((x + inset + dx, y + inset + dy, x + w - inset + dx,
                               y + h - inset + dy), outline=0, width=pen)
        elif self.mark_style == "cross":
            inset = self.px(1.0)
            self.draw.line((x + inset + dx, y + inset + dy, x + w - inset, y + h - inset),
                           fill=0, width=pen)
            self.draw.line((x + w - inset + dx, y + inset, x + inset, y + h - inset + dy),
                           fill=0, width=pen)
        else:
            inset = self.px(0.9)
            self.draw.rectangle((x + inset + dx, y + inset + dy, x + w - inset + dx,
                                 y + h - inset + dy), fill=0)

    def signature(self, box: Box, name: str) -> None:
        x, y, w, h = box_to_px(box, self.dpi)
        path = self.hand_for(name)
        self.write(x + self.px(6) + self.jitter(3), y + h / 2 + self.jitter(1.0), name, path,
                   self.px(box[3] * 0.62), w - self.px(10), hand=True)

    def sticker(self, size_mm: tuple[float, float],
                lines: list[tuple[str, Path, float, float, float]]) -> Image.Image:
        """A label: (text, font, left mm, middle mm, size mm) lines on off-white paper."""
        width, height = round(self.px(size_mm[0])), round(self.px(size_mm[1]))
        label = Image.new("L", (width, height), STICKER_PAPER)
        draw = ImageDraw.Draw(label)
        draw.rectangle((0, 0, width - 1, height - 1), outline=STICKER_EDGE, width=2)
        for text, path, left, middle, size in lines:
            draw.text((self.px(left), self.px(middle)), text, fill=0,
                      font=_font(path, round(self.px(size))), anchor="lm")
        return label

    def paste(self, label: Image.Image, centre: tuple[float, float], max_angle: float) -> None:
        """Paste `label` rotated a little, its centre at `centre` (px)."""
        angle = self.rng.uniform(-max_angle, max_angle)
        mask = Image.new("L", label.size, 255).rotate(angle, Image.BILINEAR, expand=True)
        rotated = label.rotate(angle, Image.BILINEAR, expand=True, fillcolor=255)
        left = round(centre[0] - rotated.width / 2)
        top = round(centre[1] - rotated.height / 2)
        self.image.paste(rotated, (left, top), mask)

    def ticket(self, box: Box, line: str, values: dict[str, str]) -> None:
        """The 接種券 sticker, its OCR-B line centred (within a hand's accuracy) on `box`."""
        width, height = TICKET_MM
        lines = [
            ("新型コロナウイルスワクチン 接種券", IPA_GOTHIC, 3.0, 5.0, 3.4),
            (f"券番号 {values['ticket_number']}   松戸市長", IPA_GOTHIC, 3.0, 12.0, 2.8),
            (f"{values['name']} 様", IPA_GOTHIC, 3.0, 19.0, 3.2),
            (line, OCR_B, 4.0, TICKET_LINE_FROM_TOP_MM, OCR_DIGIT_MM),
        ]
        label = self.sticker((width, height), lines)
        x, y, w, h = box
        centre_x = x + w / 2 + self.rng.uniform(-1.2, 1.2)
        centre_y = y + h / 2 - TICKET_LINE_FROM_TOP_MM + height / 2 + self.rng.uniform(-0.8, 0.8)
        self.paste(label, (self.px(centre_x), self.px(centre_y)), 1.2)

    def lot(self, box: Box, lot: str) -> None:
        """The lot sticker peeled off the vial and pasted into the box."""
        label = self.sticker((38.0, 8.0), [(lot, IPA_GOTHIC, 3.0, 4.0, 4.6)])
        x, y, w, h = box
        centre = (x + w / 2 + self.rng.uniform(-2, 2), y + h / 2 + self.rng.uniform(-0.8, 0.8))
        self.paste(label, (self.px(centre[0]), self.px(centre[1])), 2.0)


def _misspelt(rng: random.Random, value: str) -> str:
    """A plausible first attempt: the value with one character changed or dropped."""
    index = rng.randrange(len(value))
    if value[index].isdigit():
        return value[:index] + str((int(value[index]) + rng.randint(1, 9)) % 10) + value[index + 1:]
    return value[:index] + value[index + 1:] if len(value) > 2 else value + value[-1]


def _fill_field(filler: _Filler, field: FieldSpec, value: str, values: dict[str, str]) -> None:
    if not value:
        return
    rng = filler.rng
    personal = field.key in PERSONAL
    hand = not (personal and filler.typed)
    doctor = field.key in ("doctor_name", "vaccinator_name", "place")
    if field.type == "ocr_line":
        filler.ticket(field.box, value, values)
    elif field.type == "digits":
        filler.digits(field.box, field.chars or 0, value, hand)
    elif field.type == "date":
        digits = value.replace("-", "")
        start = 0
        for row in field.parts:
            filler.digits(row.box, row.chars, digits[start:start + row.chars], hand)
            start += row.chars
    elif field.key == "lot_number":
        filler.lot(field.box, value)
    elif field.type == "text":
        wrong = _misspelt(rng, value) if hand and rng.random() < CROSSED_OUT_RATE else None
        overflow = wrong is None and hand and rng.random() < OVERFLOW_RATE
        filler.text(field.box, value, hand, doctor, wrong, overflow)
    elif field.type == "choice":
        for option in field.options:
            if option.value == value:
                filler.mark(option.box)
    elif field.type == "presence" and value == "true":
        filler.signature(field.box, values["name"])
    elif field.type == "check" and value == "true":
        filler.mark(field.box)


def fill_page(blank: Image.Image, spec: FormSpec, values: dict[str, str], rng: random.Random,
              dpi: int) -> Image.Image:
    """A copy of `blank` (grayscale, at `dpi`) with `values` written into their fields."""
    page = blank.copy()
    filler = _Filler(page, rng, dpi)
    for field in spec.fields:
        _fill_field(filler, field, values[field.key], values)
    return page
