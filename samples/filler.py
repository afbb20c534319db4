"""Fills a blank page raster the way a clinic's printer, a resident's pen and stickers would.

Per page two writers are drawn, the resident and the clinic's staff, each with a hand
(samples/hands.py), a pen (samples/inks.py) and a habit of marking boxes
(samples/marks.py). Personal data is either pre-printed by the reception system (typed) or
handwritten; the 接種券 and the lot number are pasted stickers, slightly rotated. A few
fields are crossed out and rewritten, or overflow their box; a few answers are marked
unlike the writer's habit, or first marked wrong, struck out and marked again. What was
drawn is returned as the page's style for the truth JSON.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import segno
from PIL import Image, ImageDraw

from ocr.fieldmap import Box, ChoiceOption, FieldSpec, FormSpec
from ocr.geometry import box_to_px, mm_to_px
from samples.blank_form import OPTION_PT
from samples.fonts import IPA_GOTHIC, IPA_MINCHO, OCR_B, PRINTED, covers, text_width_mm
from samples.hands import Hand, Pen, draw_hand, font
from samples.inks import STAFF_INKS, Ink, draw_ink, lay_down
from samples.marks import (
    CORRECTION_RATE,
    SLIP_RATE,
    UNUSUAL,
    USUAL,
    Marker,
    OptionArea,
    PxBox,
    draw_habit,
)

TYPED_SHARE = 0.35
"""Share of pages whose personal data is printed by the clinic's reception system."""
PERSONAL = ("name_kana", "name", "birth_date", "address", "phone", "insurer_number")
STAFF = ("doctor_decision", "doctor_name", "vaccine", "lot_number", "dose_ml", "dose_number",
         "place", "clinic_code", "vaccination_date", "vaccinator_name")
"""Fields the clinic fills in, in the staff's hand and pen."""
CROSSED_OUT_RATE = 0.02
OVERFLOW_RATE = 0.03
TEXT_JITTER_MM = 1.0
TEXT_INDENT_MM = 2.0
DIGIT_HEIGHT_MM = 5.2
PEN_MM = 0.5
"""A ballpoint's line; inks scale it (felt pens are wider, pencils narrower)."""
IDEOGRAPHIC_SPACE = "\u3000"
STICKER_PAPER = 246
STICKER_EDGE = 200
"""Sticker edges show as a faint gray line, lighter than any ink."""
TICKET_MM = (80.0, 38.0)
TICKET_LINE_FROM_TOP_MM = 32.0
TICKET_QR_MM = (66.0, 13.0, 10.0)
"""Left, top and side of the 接種券's QR (model 2, 10 mm, holding the OCR line's 18 digits, as
the 手引き sets it from the third dose on) on the sticker."""
TICKET_QR_SHARE = 0.7
"""Share of tickets that carry the QR; drawn from the ticket number, not the page's stream,
so sets made before the QR was drawn keep their other pages."""
OCR_DIGIT_MM = 3.6
OPTION_LABEL_MM = OPTION_PT * 25.4 / 72
"""Height of an option's printed label (one em of the form's font)."""


@dataclass
class _Writer:
    """One person with one pen, writing on their own coverage layer."""

    name: str
    hand: Hand
    ink: Ink
    level: int
    habit: str
    layer: Image.Image
    pen: Pen
    marker: Marker

    def summary(self) -> dict[str, object]:
        return {"hand": self.hand.summary(), "ink": self.ink.name, "ink_level": self.level,
                "mark_habit": self.habit}


def _writer(name: str, page: Image.Image, rng: random.Random, dpi: int,
            inks: tuple[str, ...] | None) -> _Writer:
    hand = draw_hand(rng)
    ink, level = draw_ink(rng, inks)
    layer = Image.new("L", page.size, 0)
    px_per_mm = mm_to_px(1.0, dpi)
    stroke = max(0, hand.stroke) + (1 if ink.width > 1.5 else 0)
    pen_px = round(mm_to_px(PEN_MM, dpi) * ink.width * rng.uniform(0.8, 1.2))
    return _Writer(name, hand, ink, level, draw_habit(rng), layer,
                   Pen(layer, hand, rng, px_per_mm, stroke),
                   Marker(ImageDraw.Draw(layer), rng, px_per_mm, pen_px))


def _scaled(box: Box, factor: float) -> PxBox:
    """A mm box in px (edges not rounded: marks are drawn at sub-pixel positions)."""
    x, y, w, h = box
    return (x * factor, y * factor, w * factor, h * factor)


class _Filler:
    def __init__(self, image: Image.Image, rng: random.Random, dpi: int) -> None:
        self.image = image
        self.draw = ImageDraw.Draw(image)
        self.rng = rng
        self.dpi = dpi
        self.typed = rng.random() < TYPED_SHARE
        self.print_font = rng.choice(PRINTED)
        self.resident = _writer("resident", image, rng, dpi, None)
        self.staff = _writer("staff", image, rng, dpi, STAFF_INKS)
        self.marks: dict[str, str] = {}
        self.corrections: dict[str, dict[str, str]] = {}
        self.rewritten: list[str] = []

    def px(self, mm: float) -> float:
        return mm_to_px(mm, self.dpi)

    def jitter(self, mm: float) -> float:
        return self.px(self.rng.uniform(-mm, mm))

    def face_for(self, writer: _Writer, text: str) -> Path:
        """The writer's face, or a printed one for characters it lacks (rare kanji)."""
        return writer.hand.font if covers(writer.hand.font, text) else IPA_MINCHO

    def typed_text(self, x: float, middle: float, text: str, size_px: float,
                   room: float | None) -> None:
        face = font(self.print_font, round(size_px))
        if room is not None and self.draw.textlength(text, font=face) > room:
            face = font(self.print_font, int(face.size * room / self.draw.textlength(text,
                                                                                    font=face)))
        self.draw.text((x, middle), text, fill=0, font=face, anchor="lm")

    def digits(self, writer: _Writer | None, box: Box, chars: int, text: str) -> None:
        """One digit per cell; `writer` None prints them. A hand writes larger or smaller
        than the cell invites, off-centre, and now and then over the cell's line."""
        x, y, w, h = box_to_px(box, self.dpi)
        cell = w / chars
        if writer is None:
            size = self.px(DIGIT_HEIGHT_MM)
            for index, char in enumerate(text[:chars]):
                self.draw.text((x + (index + 0.5) * cell + self.jitter(0.15),
                                y + h / 2 + self.jitter(0.15)), char, fill=0,
                               font=font(self.print_font, round(size)), anchor="mm")
            return
        hand = writer.hand
        size = self.px(DIGIT_HEIGHT_MM * hand.digit_scale)
        for index, char in enumerate(text[:chars]):
            glyph = size * (1 + self.rng.uniform(-0.06, 0.06))
            advance = font(hand.font, round(glyph)).getlength(char)
            cx = x + (index + 0.5) * cell + self.jitter(hand.digit_jitter_mm)
            cy = y + h / 2 + self.jitter(hand.digit_jitter_mm)
            if self.rng.random() < hand.sloppy:
                cx, cy = self._over_the_line(cx, cy, cell, h, advance, glyph)
            writer.pen.glyph(char, hand.font, glyph, cx - advance / 2, cy,
                             self.rng.gauss(0.0, hand.wobble_deg))

    def _over_the_line(self, cx: float, cy: float, cell: float, height: float,
                       advance: float, glyph: float) -> tuple[float, float]:
        """Push a digit so that its edge runs 0.3-1 mm over one of its cell's lines."""
        over = self.px(self.rng.uniform(0.3, 1.0))
        side = self.rng.choice(("left", "right", "top", "bottom"))
        if side in ("left", "right"):
            reach = cell / 2 - advance / 2 + over
            return cx + (reach if side == "right" else -reach), cy
        reach = height / 2 - glyph * 0.4 + over
        return cx, cy + (reach if side == "bottom" else -reach)

    def text(self, writer: _Writer | None, box: Box, text: str, wrong: str | None = None,
             overflow: bool = False) -> None:
        """A text field, typed when `writer` is None; `wrong` is first written and struck
        through, `overflow` is not squeezed into the box."""
        x, y, w, h = box_to_px(box, self.dpi)
        shown = text.replace(" ", IDEOGRAPHIC_SPACE)
        if writer is None:
            left = x + self.px(TEXT_INDENT_MM) + self.jitter(TEXT_JITTER_MM / 2)
            self.typed_text(left, y + h / 2, shown, self.px(box[3] * 0.6),
                            x + w - self.px(TEXT_INDENT_MM) - left)
            return
        path = self.face_for(writer, text + (wrong or ""))
        size = self.px(box[3] * writer.hand.size) * (1.1 if overflow else 1.0)
        left = x + self.px(TEXT_INDENT_MM) + self.jitter(TEXT_JITTER_MM)
        middle = y + h / 2 + self.jitter(TEXT_JITTER_MM / 2)
        room = None if overflow else x + w - self.px(TEXT_INDENT_MM) - left
        if wrong is not None:
            end = writer.pen.line(wrong.replace(" ", IDEOGRAPHIC_SPACE), path, size, left,
                                  middle, (x + w - left) * 0.4)
            draw = ImageDraw.Draw(writer.layer)
            for offset in (-0.12, 0.12):
                line_y = middle + offset * size
                draw.line((left - 4, line_y, end + 4, line_y), fill=255,
                          width=round(self.px(0.35)))
            left = end + self.px(2)
            room = x + w - self.px(1) - left
        writer.pen.line(shown, path, size, left, middle, room)

    def area(self, box: Box, label: str | None) -> OptionArea:
        """An option's box and, when it has one, its label printed 1 mm to its right."""
        x, y, w, h = box
        printed = None
        if label:
            middle = y + h / 2
            printed = (x + w + 1.0, middle - OPTION_LABEL_MM / 2,
                       text_width_mm(label, OPTION_PT), OPTION_LABEL_MM)
        to_px = mm_to_px(1.0, self.dpi)
        return OptionArea(_scaled(box, to_px), _scaled(printed, to_px) if printed else None)

    def mark(self, writer: _Writer, field: FieldSpec, chosen: ChoiceOption | None) -> None:
        """Mark the chosen option (or the check box), in the writer's habit or, now and
        then, otherwise; a choice is sometimes first marked wrong and struck out."""
        style = writer.habit
        if self.rng.random() < SLIP_RATE:
            style = self.rng.choice(UNUSUAL if style in USUAL else USUAL)
        others = [option for option in field.options if option is not chosen]
        if chosen is not None and others and self.rng.random() < CORRECTION_RATE:
            first = self.rng.choice(others)
            area = self.area(first.box, first.label)
            drawn = writer.marker.mark(area, style)
            how = writer.marker.strike(area)
            self.corrections[field.key] = {"struck": first.value, "mark": drawn, "strike": how}
        box, label = (chosen.box, chosen.label) if chosen else (field.box, None)
        self.marks[field.key] = writer.marker.mark(self.area(box, label), style)

    def signature(self, writer: _Writer, box: Box, name: str) -> None:
        x, y, w, h = box_to_px(box, self.dpi)
        writer.pen.line(name, self.face_for(writer, name), self.px(box[3] * 0.62),
                        x + self.px(6) + self.jitter(3), y + h / 2 + self.jitter(1.0),
                        w - self.px(10))

    def sticker(self, size_mm: tuple[float, float],
                lines: list[tuple[str, Path, float, float, float]]) -> Image.Image:
        """A label: (text, font, left mm, middle mm, size mm) lines on off-white paper."""
        width, height = round(self.px(size_mm[0])), round(self.px(size_mm[1]))
        label = Image.new("L", (width, height), STICKER_PAPER)
        draw = ImageDraw.Draw(label)
        draw.rectangle((0, 0, width - 1, height - 1), outline=STICKER_EDGE, width=2)
        for text, path, left, middle, size in lines:
            draw.text((self.px(left), self.px(middle)), text, fill=0,
                      font=font(path, round(self.px(size))), anchor="lm")
        return label

    def paste(self, label: Image.Image, centre: tuple[float, float], max_angle: float) -> None:
        """Paste `label` rotated a little, its centre at `centre` (px)."""
        angle = self.rng.uniform(-max_angle, max_angle)
        mask = Image.new("L", label.size, 255).rotate(angle, Image.Resampling.BILINEAR, expand=True)
        rotated = label.rotate(angle, Image.Resampling.BILINEAR, expand=True, fillcolor=255)
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
        if random.Random(values["ticket_number"]).random() < TICKET_QR_SHARE:
            self.ticket_qr(label, line)
        x, y, w, h = box
        centre_x = x + w / 2 + self.rng.uniform(-1.2, 1.2)
        centre_y = y + h / 2 - TICKET_LINE_FROM_TOP_MM + height / 2 + self.rng.uniform(-0.8, 0.8)
        self.paste(label, (self.px(centre_x), self.px(centre_y)), 1.2)

    def ticket_qr(self, label: Image.Image, line: str) -> None:
        left, top, side = TICKET_QR_MM
        matrix = segno.make(line, error="m", micro=False, mode="numeric").matrix
        step = self.px(side) / len(matrix)
        draw = ImageDraw.Draw(label)
        for row, modules in enumerate(matrix):
            for column, dark in enumerate(modules):
                if dark:
                    x0, y0 = self.px(left) + column * step, self.px(top) + row * step
                    draw.rectangle((round(x0), round(y0), round(x0 + step) - 1,
                                    round(y0 + step) - 1), fill=0)

    def lot(self, box: Box, lot: str) -> None:
        """The lot sticker peeled off the vial and pasted into the box."""
        label = self.sticker((38.0, 8.0), [(lot, IPA_GOTHIC, 3.0, 4.0, 4.6)])
        x, y, w, h = box
        centre = (x + w / 2 + self.rng.uniform(-2, 2), y + h / 2 + self.rng.uniform(-0.8, 0.8))
        self.paste(label, (self.px(centre[0]), self.px(centre[1])), 2.0)

    def finish(self) -> np.ndarray:
        """The page with both writers' ink laid down on the printed page and stickers."""
        page = np.asarray(self.image).copy()
        for writer in (self.resident, self.staff):
            coverage = np.asarray(writer.layer)
            if writer.hand.stroke < 0:
                thinner = cv2.erode(coverage, np.ones((2, 2), np.uint8))
                if np.count_nonzero(thinner) > 0.5 * np.count_nonzero(coverage):
                    coverage = thinner
            page = lay_down(page, coverage, writer.ink, writer.level, self.rng.getrandbits(32))
        return page

    def style(self) -> dict[str, object]:
        return {"typed": self.typed, "print_font": self.print_font.stem,
                "resident": self.resident.summary(), "staff": self.staff.summary(),
                "marks": self.marks, "corrections": self.corrections,
                "rewritten": self.rewritten}


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
    writer = filler.staff if field.key in STAFF else filler.resident
    hand = None if field.key in PERSONAL and filler.typed else writer
    if field.type == "ocr_line":
        filler.ticket(field.box, value, values)
    elif field.type == "digits":
        filler.digits(hand, field.box, field.chars or 0, value)
    elif field.type == "date":
        digits = value.replace("-", "")
        start = 0
        for row in field.parts:
            filler.digits(hand, row.box, row.chars, digits[start:start + row.chars])
            start += row.chars
    elif field.key == "lot_number":
        filler.lot(field.box, value)
    elif field.type == "text":
        wrong = _misspelt(rng, value) if hand and rng.random() < CROSSED_OUT_RATE else None
        overflow = wrong is None and hand is not None and rng.random() < OVERFLOW_RATE
        if wrong is not None:
            filler.rewritten.append(field.key)
        filler.text(hand, field.box, value, wrong, overflow)
    elif field.type == "choice":
        chosen = next((option for option in field.options if option.value == value), None)
        if chosen is not None:
            filler.mark(writer, field, chosen)
    elif field.type == "presence" and value == "true":
        filler.signature(writer, field.box, values["name"])
    elif field.type == "check" and value == "true":
        filler.mark(writer, field, None)


def fill_page(blank: Image.Image, spec: FormSpec, values: dict[str, str], rng: random.Random,
              dpi: int, printed: Collection[str] = ()) -> tuple[np.ndarray, dict[str, object]]:
    """A copy of `blank` (grayscale, at `dpi`) with `values` written into their fields, and
    the style it was written in (writers, pens, marks, corrections); the `printed` fields
    (a personal form's identity) are on the paper already and are not written."""
    filler = _Filler(blank.copy(), rng, dpi)
    for field in spec.fields:
        if field.key not in printed:
            _fill_field(filler, field, values[field.key], values)
    return filler.finish(), filler.style()
