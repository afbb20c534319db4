"""What happens to paper between the resident's pen and the scanner.

Reception stamps (受付印, round or rectangular, red, which a gray scan shows mid-gray) land
anywhere, now and then on the QR code; a personal seal (印) is pressed beside or over the
name; a corner is torn or folded back and takes its corner mark with it; an edge is cut
crooked; the sheet is laid or fed so far off that the QR loses its quiet zone. Each page
draws its damage independently of the scanner: it is about people and paper.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from ocr.fieldmap import Box, FormSpec
from ocr.geometry import mm_to_px
from samples.fonts import IPA_GOTHIC, IPA_MINCHO, TRUETYPE
from samples.hands import font
from samples.inks import Ink, lay_down

STAMP_RATE = 0.08
"""Reception stamps put somewhere on the page (not on the QR)."""
QR_STAMP_RATE = 0.035
"""Reception stamps put on the QR, covering part or all of it."""
SEAL_RATE = 0.07
"""Personal seals beside or over the name or signature. With the stamps, 17 % of pages
carry a stamp or seal (the brief asks 10-20 %)."""
TORN_RATE = 0.03
CUT_RATE = 0.02
SHIFT_RATE = 0.03
"""Torn or folded corners, crooked cuts and sheets off the glass: "a few %" each, as the
brief asks; 200 generated pages (seed 101) had 4 %, 3 % and 4 %."""
STAMP_INK = Ink("stamp", (90, 150), 2.0, 0.3, 0.0)
"""Red stamp ink: (200, 40, 40) to (225, 90, 90) in RGB is gray 90-150; an inkpad leaves
it blotchy."""
SEAL_FONT = TRUETYPE / "kouzan-mouhitsu/kouzan-mouhitsu.ttf"
"""Seals are carved in brush-like (篆書-ish) letters; the brush face is the nearest we have."""
ERA_DATE = "8.12.2"
"""The date a reception stamp shows (令和8年12月2日); nothing reads it."""


@dataclass
class Damage:
    """What was done to one page: the sheet that is left and, for the truth, the events."""

    sheet: np.ndarray | None = None
    """255 where paper is left, 0 where it is torn or cut off (None: the whole sheet)."""
    shift_to: Box | None = None
    """Push the sheet off the capture area towards this box (the QR) when scanning."""
    events: list[dict] = field(default_factory=list)


def _fields_under(spec: FormSpec, bounds: Box) -> list[str]:
    """Keys of the fields whose box the mm rectangle `bounds` overlaps."""
    x, y, w, h = bounds
    return [f.key for f in spec.fields
            if f.box[0] < x + w and x < f.box[0] + f.box[2]
            and f.box[1] < y + h and y < f.box[1] + f.box[3]]


def _overlap(a: Box, b: Box) -> float:
    """Share of `b` that `a` covers."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0.0, width) * max(0.0, height) / (b[2] * b[3])


class _Stamper:
    def __init__(self, page: np.ndarray, rng: random.Random, dpi: int) -> None:
        self.page = page
        self.rng = rng
        self.dpi = dpi

    def px(self, mm: float) -> float:
        return mm_to_px(mm, self.dpi)

    def reception(self, round_shape: bool, size_mm: float) -> Image.Image:
        """A 受付 date stamp as coverage: a double ring with town, date and 受付, or a
        rectangle with the same lines."""
        side = round(self.px(size_mm if round_shape else size_mm * 1.7))
        height = round(self.px(size_mm if round_shape else size_mm * 0.75))
        tile = Image.new("L", (side, height), 0)
        draw = ImageDraw.Draw(tile)
        line = max(2, round(self.px(self.rng.uniform(0.6, 1.1))))
        bold = max(1, round(self.px(0.15)))
        if round_shape:
            draw.ellipse((1, 1, side - 2, height - 2), outline=255, width=line)
            inset = round(self.px(1.0))
            draw.ellipse((inset, inset, side - inset, height - inset), outline=255,
                         width=max(1, line // 2))
            band = height * 0.2
            draw.line((inset * 1.5, height / 2 - band, side - inset * 1.5, height / 2 - band),
                      fill=255, width=max(1, line // 2))
            draw.line((inset * 1.5, height / 2 + band, side - inset * 1.5, height / 2 + band),
                      fill=255, width=max(1, line // 2))
            rows = (("松戸市", 0.28, 0.15), (ERA_DATE, 0.5, 0.17), ("受付", 0.73, 0.16))
        else:
            draw.rectangle((1, 1, side - 2, height - 2), outline=255, width=line)
            rows = (("受付", 0.25, 0.2), (f"令和{ERA_DATE}", 0.55, 0.2), ("松戸市", 0.82, 0.16))
        for text, where, size in rows:
            draw.text((side / 2, height * where), text, fill=255, anchor="mm",
                      font=font(IPA_GOTHIC, round(height * size)), stroke_width=bold,
                      stroke_fill=255)
        return tile

    def seal(self, family: str, size_mm: float) -> Image.Image:
        """A personal 印: a ring with the family name written top to bottom."""
        side = round(self.px(size_mm))
        tile = Image.new("L", (side, side), 0)
        draw = ImageDraw.Draw(tile)
        draw.ellipse((1, 1, side - 2, side - 2), outline=255, width=max(2, round(self.px(0.5))))
        chars = family[:3] or "印"
        step = side * 0.8 / len(chars)
        face = font(self.rng.choice((SEAL_FONT, IPA_MINCHO)), round(min(step, side * 0.5)))
        for index, char in enumerate(chars):
            draw.text((side / 2, side * 0.1 + step * (index + 0.5)), char, fill=255,
                      anchor="mm", font=face)
        return tile

    def press(self, tile: Image.Image, centre_mm: tuple[float, float]) -> Box:
        """Press `tile` turned a little, centred at `centre_mm`, in blotchy red; returns the
        mm rectangle it covers."""
        tile = tile.rotate(self.rng.uniform(-25, 25), Image.Resampling.BILINEAR, expand=True)
        coverage: np.ndarray = np.zeros(self.page.shape, np.uint8)
        left = round(self.px(centre_mm[0]) - tile.width / 2)
        top = round(self.px(centre_mm[1]) - tile.height / 2)
        patch = np.asarray(tile)
        y0, x0 = max(0, top), max(0, left)
        y1 = min(coverage.shape[0], top + patch.shape[0])
        x1 = min(coverage.shape[1], left + patch.shape[1])
        if y0 < y1 and x0 < x1:
            coverage[y0:y1, x0:x1] = patch[y0 - top:y1 - top, x0 - left:x1 - left]
            level = self.rng.randint(*STAMP_INK.levels)
            self.page = lay_down(self.page, coverage, STAMP_INK, level,
                                 self.rng.getrandbits(32))
        mm = 25.4 / self.dpi
        return (left * mm, top * mm, tile.width * mm, tile.height * mm)


def _corner_polygon(rng: random.Random, corner: str, legs: tuple[float, float],
                    ragged: bool, size: tuple[int, int]) -> list[tuple[float, float]]:
    """The triangle cut from `corner` (px), its long edge jagged when torn."""
    width, height = size
    sx, sy = (0 if "left" in corner else width), (0 if "top" in corner else height)
    dx, dy = (1 if sx == 0 else -1), (1 if sy == 0 else -1)
    start, end = (sx + dx * legs[0], sy), (sx, sy + dy * legs[1])
    edge: list[tuple[float, float]] = [start]
    if ragged:
        for step in range(1, 12):
            t = step / 12
            jitter = rng.uniform(-0.04, 0.04) * (legs[0] + legs[1]) / 2
            edge.append((start[0] + (end[0] - start[0]) * t + jitter,
                         start[1] + (end[1] - start[1]) * t + jitter))
    edge.append(end)
    return [(sx, sy), *edge]


def _remove(page: np.ndarray, damage: Damage, polygon: list[tuple[float, float]],
            edge: list[tuple[float, float]], level: int, dpi: int) -> np.ndarray:
    """Take `polygon` off the sheet; the new `edge` casts a thin gray line (a fold's crease
    is darker than a tear's or a cut's shadow)."""
    if damage.sheet is None:  # apply() lays down the whole sheet before a tear or a cut
        raise ValueError("no sheet to take paper off")
    mask = Image.fromarray(damage.sheet)
    ImageDraw.Draw(mask).polygon(polygon, fill=0)
    damage.sheet = np.asarray(mask).copy()
    marked = Image.fromarray(page)
    ImageDraw.Draw(marked).line(edge, fill=level, width=max(1, round(mm_to_px(0.25, dpi))))
    return np.asarray(marked).copy()


def _tear(page: np.ndarray, damage: Damage, rng: random.Random, dpi: int) -> np.ndarray:
    """Tear or fold back one corner: 18-35 mm legs always reach into the corner mark
    (whose inner edge is 16 mm from both page edges) and from 32 mm remove it whole."""
    corner = rng.choice(("top-left", "top-right", "bottom-left", "bottom-right"))
    folded = rng.random() < 0.5
    legs = (mm_to_px(rng.uniform(18, 35), dpi), mm_to_px(rng.uniform(18, 35), dpi))
    polygon = _corner_polygon(rng, corner, legs, not folded, (page.shape[1], page.shape[0]))
    level = rng.randint(150, 200) if folded else rng.randint(190, 225)
    page = _remove(page, damage, polygon, polygon[1:], level, dpi)
    damage.events.append({"kind": "folded_corner" if folded else "torn_corner",
                          "corner": corner,
                          "legs_mm": [round(leg * 25.4 / dpi, 1) for leg in legs]})
    return page


def _cut(page: np.ndarray, damage: Damage, rng: random.Random, dpi: int) -> np.ndarray:
    """Cut one edge crooked: 1-11 mm off at one end, a different depth at the other."""
    edge = rng.choice(("top", "bottom", "left", "right"))
    depths = [mm_to_px(rng.uniform(1, 11), dpi) for _ in range(2)]
    height, width = page.shape
    polygon = {
        "top": [(0, 0), (width, 0), (width, depths[1]), (0, depths[0])],
        "bottom": [(0, height), (width, height), (width, height - depths[1]),
                   (0, height - depths[0])],
        "left": [(0, 0), (0, height), (depths[1], height), (depths[0], 0)],
        "right": [(width, 0), (width, height), (width - depths[1], height),
                  (width - depths[0], 0)],
    }[edge]
    page = _remove(page, damage, polygon, polygon[2:], rng.randint(200, 230), dpi)
    damage.events.append({"kind": "cut_edge", "edge": edge,
                          "depth_mm": [round(depth * 25.4 / dpi, 1) for depth in depths]})
    return page


def damage_page(page: np.ndarray, spec: FormSpec, values: dict[str, str], rng: random.Random,
                dpi: int) -> tuple[np.ndarray, Damage]:
    """`page` (uint8 gray at `dpi`) with this page's stamps, seals, tears and cuts."""
    damage = Damage()
    stamper = _Stamper(page, rng, dpi)
    if rng.random() < STAMP_RATE:
        size = rng.uniform(16, 24)
        anywhere = rng.choice([f.box for f in spec.fields] + [(20.0, 14.0, 90.0, 10.0)] * 3)
        centre = (anywhere[0] + rng.uniform(0, anywhere[2]), anywhere[1] + rng.uniform(0, 10))
        bounds = stamper.press(stamper.reception(rng.random() < 0.6, size), centre)
        damage.events.append({"kind": "stamp", "fields": _fields_under(spec, bounds),
                              "qr_covered": round(_overlap(bounds, spec.qr), 2)})
    if rng.random() < QR_STAMP_RATE:
        x, y, w, h = spec.qr
        size = rng.uniform(0.9, 1.4) * max(w, h)
        centre = (x + w / 2 + rng.uniform(-0.35, 0.35) * w,
                  y + h / 2 + rng.uniform(-0.35, 0.35) * h)
        bounds = stamper.press(stamper.reception(rng.random() < 0.6, size), centre)
        damage.events.append({"kind": "stamp", "fields": _fields_under(spec, bounds),
                              "qr_covered": round(_overlap(bounds, spec.qr), 2)})
    if rng.random() < SEAL_RATE and values.get("name"):
        target = spec.field(rng.choice(("signature", "signature", "name")))
        x, y, w, h = target.box
        centre = (x + w * rng.uniform(0.55, 1.0), y + h / 2 + rng.uniform(-2, 2))
        bounds = stamper.press(stamper.seal(values["name"].split()[0], rng.uniform(9, 13)),
                               centre)
        damage.events.append({"kind": "seal", "fields": _fields_under(spec, bounds),
                              "qr_covered": round(_overlap(bounds, spec.qr), 2)})
    page = stamper.page
    torn, cut = rng.random() < TORN_RATE, rng.random() < CUT_RATE
    if torn or cut:
        damage.sheet = np.full(page.shape, 255, np.uint8)
    if torn:
        page = _tear(page, damage, rng, dpi)
    if cut:
        page = _cut(page, damage, rng, dpi)
    if rng.random() < SHIFT_RATE:
        damage.shift_to = spec.qr
        damage.events.append({"kind": "shifted"})
    return page, damage
