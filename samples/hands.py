"""A writer's hand: a handwriting face made personal by slant, wobble, size and spacing.

A font alone writes every 4 the same way, and a reader tuned on a few fonts learns them.
People slant, rotate single characters, let the line climb or sag, space unevenly, write
digits larger or smaller than the box invites, and let a digit run into the box's line. Each
glyph is drawn on its own small tile, sheared and rotated, and put onto the writer's
coverage layer (see samples/inks.py).
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from samples.fonts import HANDWRITING

FACES_KEPT = 1024
"""Faces kept loaded: 16 hands at the few dozen sizes their jitter gives on a page; a long
run otherwise keeps every size it ever drew."""


@dataclass(frozen=True)
class Hand:
    """How one person writes."""

    font: Path
    slant: float
    """Horizontal shear (tan of the lean): most people lean right a little, some left."""
    wobble_deg: float
    """Spread of each character's own rotation."""
    tilt_deg: float
    """The whole line climbs (negative) or sags across the box."""
    drift_mm: float
    """Spread of each character's baseline about the line."""
    spacing: float
    """Spread of the advance from one character to the next, as a share of it."""
    size: float
    """Text height as a share of the box's height."""
    digit_scale: float
    """Digits' height relative to the usual 5.2 mm."""
    digit_jitter_mm: float
    sloppy: float
    """Chance that a digit is pushed into its cell's line."""
    stroke: int
    """Extra stroke width in px at 300 dpi (0: the face's own, -1: thinned by erosion)."""

    def summary(self) -> dict[str, object]:
        """The hand for the page's truth, rounded so that the JSON stays readable."""
        values = asdict(self)
        values["font"] = self.font.stem
        return {key: round(value, 3) if isinstance(value, float) else value
                for key, value in values.items()}


def draw_hand(rng: random.Random, fonts: tuple[Path, ...] = HANDWRITING) -> Hand:
    """A hand: mostly tidy, with a tail of hasty and idiosyncratic writers."""
    hasty = rng.random() < 0.3
    return Hand(
        font=rng.choice(fonts),
        slant=rng.triangular(-0.12, 0.32, 0.08),
        wobble_deg=rng.uniform(1.0, 6.0) if hasty else rng.uniform(0.0, 2.5),
        tilt_deg=max(-1.5, min(1.5, rng.gauss(0.0, 0.8))),
        drift_mm=rng.uniform(0.2, 0.7) if hasty else rng.uniform(0.05, 0.3),
        spacing=rng.uniform(0.08, 0.25) if hasty else rng.uniform(0.02, 0.1),
        size=rng.uniform(0.5, 0.78),
        digit_scale=rng.choice((rng.uniform(0.72, 0.92), rng.uniform(0.92, 1.1),
                                rng.uniform(1.1, 1.32))),
        digit_jitter_mm=rng.uniform(0.4, 1.1) if hasty else rng.uniform(0.15, 0.6),
        sloppy=rng.uniform(0.08, 0.3) if hasty else rng.choice((0.0, 0.0, 0.03)),
        stroke=rng.choice((-1, 0, 0, 1, 1, 2)),
    )


@lru_cache(maxsize=FACES_KEPT)
def font(path: Path, size_px: int) -> ImageFont.FreeTypeFont:
    """A face at a pixel size, loaded once while it is in use."""
    return ImageFont.truetype(str(path), max(6, size_px))


class Pen:
    """Writes a hand onto a coverage layer ("L", 255 = full stroke)."""

    def __init__(self, layer: Image.Image, hand: Hand, rng: random.Random, px_per_mm: float,
                 stroke: int) -> None:
        self.layer = layer
        self.hand = hand
        self.rng = rng
        self.px_per_mm = px_per_mm
        self.stroke = stroke

    def glyph(self, char: str, path: Path, size_px: float, x: float, middle: float,
              angle_deg: float) -> float:
        """One character, its left edge at `x` and its middle at `middle`; returns the
        advance. The tile is sheared by the hand's slant and turned by `angle_deg`."""
        face = font(path, round(size_px))
        advance = face.getlength(char)
        pad = round(size_px * 0.6) + self.stroke + 2
        width, height = round(advance) + 2 * pad, round(size_px) + 2 * pad
        tile = Image.new("L", (width, height), 0)
        ImageDraw.Draw(tile).text((pad, height / 2), char, fill=255, font=face, anchor="lm",
                                  stroke_width=self.stroke, stroke_fill=255)
        centre = (pad + advance / 2, height / 2)
        tile = tile.transform(tile.size, Image.Transform.AFFINE,
                              _inverse(self.hand.slant, angle_deg, centre),
                              Image.Resampling.BILINEAR)
        self.stamp(tile, round(x - pad), round(middle - height / 2))
        return advance

    def stamp(self, tile: Image.Image, left: int, top: int) -> None:
        """Add `tile`'s coverage to the layer at (left, top), clipped to the page."""
        box = (max(0, left), max(0, top), min(self.layer.width, left + tile.width),
               min(self.layer.height, top + tile.height))
        if box[0] >= box[2] or box[1] >= box[3]:
            return
        part = tile.crop((box[0] - left, box[1] - top, box[2] - left, box[3] - top))
        self.layer.paste(ImageChops.lighter(self.layer.crop(box), part), box[:2])

    def line(self, text: str, path: Path, size_px: float, x: float, middle: float,
             room: float | None) -> float:
        """Handwritten `text` from `x` along `middle`, squeezed into `room` px (people
        write smaller as the box runs out); returns where it ends."""
        face = font(path, round(size_px))
        natural = face.getlength(text)
        if room is not None and natural > room:
            size_px *= room / natural
        start = x
        tilt = math.tan(math.radians(self.hand.tilt_deg))
        for char in text:
            scale = 1 + self.rng.uniform(-0.07, 0.07)
            drift = self.rng.gauss(0.0, self.hand.drift_mm) * self.px_per_mm * 0.5
            y = middle + (x - start) * tilt + drift
            angle = self.rng.gauss(0.0, self.hand.wobble_deg)
            advance = self.glyph(char, path, size_px * scale, x, y, angle)
            x += advance * (1 + self.rng.gauss(0.0, self.hand.spacing)) if char.strip() else advance
        return x


def _inverse(shear: float, angle_deg: float, centre: tuple[float, float]
             ) -> tuple[float, float, float, float, float, float]:
    """PIL's affine transform maps output to input: the inverse of a shear (x += shear *
    (centre_y - y), leaning right above the centre) then a rotation, both about `centre`."""
    cx, cy = centre
    angle = math.radians(angle_deg)
    cos, sin = math.cos(angle), math.sin(angle)
    # forward: p' = R · S · (p - c) + c with S = [[1, -shear], [0, 1]]
    a, b, d, e = cos, -cos * shear - sin, sin, -sin * shear + cos
    det = a * e - b * d
    ia, ib, id_, ie = e / det, -b / det, -d / det, a / det
    return ia, ib, cx - ia * cx - ib * cy, id_, ie, cy - id_ * cx - ie * cy
