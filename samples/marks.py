"""Marks for choice and check fields, made the way people make them.

The form asks for a tick in the box; people also tick past the box, cross it, fill it,
circle the box, circle the printed label (はい / いいえ) or the box and its label together,
often with a loop that does not close and is off-centre. A changed mind shows as a first
mark struck out with a double line or a scribble, and the other option marked. All shapes
are drawn as coverage on the writer's layer (255 = full stroke), so the pen decides their
gray level.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from PIL import ImageDraw

PxBox = tuple[float, float, float, float]

HABITS = {
    "tick": 0.5, "cross": 0.11, "fill": 0.1, "circle_in": 0.12,
    "tick_over": 0.04, "circle_box": 0.04, "circle_label": 0.06, "circle_both": 0.03,
}
"""A writer's usual mark. The last four (the unusual ones, 17 %) put ink outside the box or
only around the label. A page has two writers (resident and staff); with the slips and
corrections below, 200 generated pages (seed 101) had an unusual mark on about half."""
USUAL = ("tick", "cross", "fill", "circle_in")
UNUSUAL = ("tick_over", "circle_box", "circle_label", "circle_both")
SLIP_RATE = 0.008
"""Chance that one answer is marked unlike the writer's habit (an unusual mark)."""
CORRECTION_RATE = 0.008
"""Chance that a choice is first marked on another option, struck out, and marked again."""
STRIKES = ("double", "scribble")


@dataclass(frozen=True)
class OptionArea:
    """Where an option is printed, in px: its box and, right of it, its label."""

    box: PxBox
    label: PxBox | None


def draw_habit(rng: random.Random) -> str:
    """A writer's usual mark."""
    return rng.choices(list(HABITS), weights=list(HABITS.values()))[0]


class Marker:
    """Draws marks with one pen on one coverage layer."""

    def __init__(self, draw: ImageDraw.ImageDraw, rng: random.Random, px_per_mm: float,
                 pen_px: int) -> None:
        self.draw = draw
        self.rng = rng
        self.mm = px_per_mm
        self.pen = max(1, pen_px)

    def _u(self, low_mm: float, high_mm: float) -> float:
        return self.rng.uniform(low_mm, high_mm) * self.mm

    def mark(self, area: OptionArea, style: str) -> str:
        """Mark `area` in `style`; a label style on an option without a label (a check
        box) circles the box instead. Returns the style drawn."""
        if style in ("circle_label", "circle_both") and area.label is None:
            style = "circle_box"
        getattr(self, "_" + style)(area)
        return style

    def _tick(self, area: OptionArea, scale: float = 1.0) -> None:
        x, y, w, h = area.box
        dx, dy = self._u(-0.4, 0.4), self._u(-0.4, 0.4)
        shape = ((0.15, 0.55), (0.42, 0.85), (0.15 + 0.75 * scale, 0.85 - 0.75 * scale))
        points = [(x + px * w + dx, y + py * h + dy) for px, py in shape]
        self.draw.line(points, fill=255, width=self.pen, joint="curve")

    def _tick_over(self, area: OptionArea) -> None:
        self._tick(area, self.rng.uniform(1.3, 1.9))

    def _cross(self, area: OptionArea) -> None:
        x, y, w, h = area.box
        inset = self._u(0.2, 1.0)
        dx, dy = self._u(-0.4, 0.4), self._u(-0.4, 0.4)
        self.draw.line((x + inset + dx, y + inset + dy, x + w - inset, y + h - inset),
                       fill=255, width=self.pen)
        self.draw.line((x + w - inset + dx, y + inset, x + inset, y + h - inset + dy),
                       fill=255, width=self.pen)

    def _fill(self, area: OptionArea) -> None:
        """Blacked in: a dense zigzag, as people fill with a pen."""
        x, y, w, h = area.box
        inset = self._u(0.5, 1.0)
        step = max(1.0, self.pen * 0.8)
        points = []
        row = y + inset
        left = True
        while row < y + h - inset:
            points.append((x + inset if left else x + w - inset, row))
            row += step
            left = not left
        if len(points) > 1:
            self.draw.line(points, fill=255, width=self.pen + 1)

    def _circle_in(self, area: OptionArea) -> None:
        x, y, w, h = area.box
        inset = self._u(0.7, 1.1)
        dx, dy = self._u(-0.4, 0.4), self._u(-0.4, 0.4)
        self.draw.ellipse((x + inset + dx, y + inset + dy, x + w - inset + dx,
                           y + h - inset + dy), outline=255, width=self.pen)

    def _circle_box(self, area: OptionArea) -> None:
        x, y, w, h = area.box
        self.loop((x - self._u(0.6, 2.0), y - self._u(0.6, 1.8), x + w + self._u(0.6, 2.0),
                   y + h + self._u(0.6, 1.8)))

    def _circle_label(self, area: OptionArea) -> None:
        """A loop round the label that stays clear of the box (which sits 1 mm left of the
        label), so that the box itself is blank."""
        assert area.label is not None
        bx, _, bw, _ = area.box
        lx, ly, lw, lh = area.label
        left = bx + bw + self.pen / 2 + self._u(0.3, 0.8)
        right = max(lx + lw + self._u(0.3, 1.6), left + lh)
        self.loop((left, ly - self._u(0.4, 1.4), right, ly + lh + self._u(0.4, 1.4)),
                  clear_of=left)

    def _circle_both(self, area: OptionArea) -> None:
        assert area.label is not None
        x, y, w, h = area.box
        lx, _, lw, _ = area.label
        self.loop((x - self._u(0.4, 2.0), y - self._u(0.5, 2.0), lx + lw + self._u(0.2, 2.2),
                   y + h + self._u(0.5, 2.0)))

    def loop(self, bounds: PxBox, clear_of: float | None = None) -> None:
        """A hand-drawn loop inscribed in `bounds`: a little off-centre and tilted, its
        radius wavering, its end overshooting or stopping short of its start; moved right
        when it would reach left of `clear_of`."""
        left, top, right, bottom = bounds
        shift = (right - left) * 0.06
        cx = (left + right) / 2 + self.rng.uniform(-shift, shift)
        cy = (top + bottom) / 2 + self.rng.uniform(-shift, shift) * 0.5
        a, b = (right - left) / 2, (bottom - top) / 2
        tilt = math.radians(self.rng.uniform(-8, 8))
        start = self.rng.uniform(0, 2 * math.pi)
        sweep = 2 * math.pi * self.rng.uniform(0.86, 1.12)
        wave, phase = self.rng.uniform(0.0, 0.06), self.rng.uniform(0, 2 * math.pi)
        steps = 48
        points = []
        for index in range(steps + 1):
            t = start + sweep * index / steps
            r = 1 + wave * math.sin(3 * t + phase) + 0.04 * index / steps
            ex, ey = a * r * math.cos(t), b * r * math.sin(t)
            points.append((cx + ex * math.cos(tilt) - ey * math.sin(tilt),
                           cy + ex * math.sin(tilt) + ey * math.cos(tilt)))
        if clear_of is not None:
            push = max(0.0, clear_of - min(x for x, _ in points))
            points = [(x + push, y) for x, y in points]
        self.draw.line(points, fill=255, width=self.pen, joint="curve")

    def strike(self, area: OptionArea) -> str:
        """Withdraw the mark on `area`: a double line through box and label, or a coil
        scribbled over them. Returns which."""
        kind = self.rng.choice(STRIKES)
        x, y, w, h = area.box
        right = area.label[0] + area.label[2] if area.label else x + w
        left = x - self._u(0.5, 1.5)
        right += self._u(0.5, 1.5)
        middle = y + h / 2 + self._u(-0.5, 0.5)
        slope = self.rng.uniform(-0.08, 0.08)
        if kind == "double":
            gap = self._u(0.5, 0.9)
            for offset in (-gap, gap):
                self.draw.line((left, middle + offset, right,
                                middle + offset + slope * (right - left)),
                               fill=255, width=self.pen)
            return kind
        turns = max(4, round((right - left) / (self.mm * 1.6)))
        radius = self._u(1.6, 2.6)
        points = []
        for index in range(turns * 16 + 1):
            t = index / 16 * 2 * math.pi
            along = left + (right - left) * index / (turns * 16)
            points.append((along + radius * 0.6 * math.cos(t),
                           middle + slope * (along - left) + radius * math.sin(t)))
        self.draw.line(points, fill=255, width=self.pen, joint="curve")
        return kind
