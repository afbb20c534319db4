"""The pens people fill forms with, as the gray level a scanner sees them at.

Writing is drawn as coverage (0 no ink … 255 full stroke) on a layer per pen; `lay_down`
puts a layer onto the page: a full stroke darkens the paper to the ink's level, multiplied
so that ink over a printed line stays as dark as the line. Pencil loses part of its
coverage to the paper's tooth, which gives its grainy, broken strokes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Ink:
    """A kind of pen: the gray range of a full stroke, its width and its grain."""

    name: str
    levels: tuple[int, int]
    width: float
    """Stroke width relative to a ballpoint's 0.5 mm."""
    grain: float
    """Share of a stroke's coverage the paper's tooth may take away (0: solid)."""
    weight: float
    """How often a writer holds this pen; the weights sum to 1."""


INKS = (
    Ink("black", (10, 45), 1.0, 0.0, 0.44),
    Ink("blue", (85, 125), 1.0, 0.05, 0.24),
    Ink("light", (135, 175), 0.9, 0.15, 0.07),
    Ink("pencil", (120, 190), 0.8, 0.55, 0.13),
    Ink("felt", (5, 35), 1.8, 0.0, 0.12),
)
"""Gray levels of scanned strokes: black ballpoint 10-45, blue ballpoint 85-125 (blue turns
mid-gray in a gray scan), a ballpoint running dry 135-175, HB-2B pencil 120-190. Pencil and
light ballpoint together are 20 % of writers (the brief asks 15-25 %)."""
STAFF_INKS = ("black", "black", "blue", "felt")
"""Clinic staff write with the pens on the desk: black or blue ballpoint, a felt pen."""
GRAIN_SCALE_PX = 1.2
"""Size of the paper's tooth at 300 dpi: pencil breaks up at about a tenth of a mm."""
PRESSURE_SCALE_PX = 40.0
"""Pressure changes along a stroke over a few mm."""


def draw_ink(rng: random.Random, names: tuple[str, ...] | None = None) -> tuple[Ink, int]:
    """A pen by the writers' weights (or one of `names`, equally) and its stroke level."""
    if names is None:
        ink = rng.choices(INKS, weights=[ink.weight for ink in INKS])[0]
    else:
        name = rng.choice(names)
        ink = next(ink for ink in INKS if ink.name == name)
    return ink, rng.randint(*ink.levels)


def _texture(shape: tuple[int, int], grain: float, seed: int) -> np.ndarray:
    """Per-pixel share of coverage kept: fine tooth noise times slow pressure changes."""
    noise = np.random.default_rng(seed)
    tooth = cv2.GaussianBlur(noise.random(shape, dtype=np.float32), (0, 0), GRAIN_SCALE_PX)
    tooth = (tooth - tooth.mean()) / max(float(tooth.std()), 1e-6)
    small = noise.random((max(2, round(shape[0] / PRESSURE_SCALE_PX)),
                          max(2, round(shape[1] / PRESSURE_SCALE_PX))), dtype=np.float32)
    pressure = cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    keep = 1.0 - grain * (0.5 + 0.35 * tooth) - 0.25 * grain * pressure
    return np.clip(keep, 0.15, 1.0)


def lay_down(page: np.ndarray, coverage: np.ndarray, ink: Ink, level: int, seed: int
             ) -> np.ndarray:
    """`page` (uint8 gray) with the strokes of `coverage` (uint8) in `ink` at `level`."""
    left, top, width, height = cv2.boundingRect(coverage)
    if width == 0 or height == 0:
        return page
    bottom, right = top + height, left + width
    cover = coverage[top:bottom, left:right].astype(np.float32) / 255.0
    if ink.grain > 0:
        cover *= _texture(cover.shape, ink.grain, seed)
    region = page[top:bottom, left:right].astype(np.float32)
    darkened = region * (1.0 - cover * (1.0 - level / 255.0))
    out = page.copy()
    out[top:bottom, left:right] = np.clip(darkened + 0.5, 0, 255).astype(np.uint8)
    return out
