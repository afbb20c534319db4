"""What a person has marked on a field's options, read as a person reads it.

People tick a box, tick past it, cross it, fill it, or circle the printed label (or box and
label together), in pen or in pencil; they withdraw a mark by striking it through and mark
the other option. So an option's area is its box plus its printed label plus a margin for
circles, and what is written there is told from what is printed by taking away the blank
form's print (ocr.template), fitted locally so that a registration slack of a few pixels
leaves no print behind. Ink is found relative to the paper around it (ocr.ink).

Each piece of writing (a connected stroke group) is given to the option it lies nearest to,
across every mark field of the form, so that a circle around one question's answer is not
taken for ink on the next question's. Per option this module measures the evidence of a
mark (ink inside the box, ink over the label, a stroke around label or box) and of its
withdrawal (two long lines through it, or a scribble or hatching over it), and collects
the ink it cannot explain (a stray stroke, a stamp, writing that runs out of the area):
the field readers (ocr.checkbox) turn that into a value and an honest confidence.

Circles around the boxes of successive questions touch and fall apart into arcs joined to
the neighbours' circles; writing given to other fields that still encircles an option is
therefore that option's mark as well. Over a presence box, a ring of a seal's size is a
personal seal (印), doubted like a stamp.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

import cv2
import numpy as np

from ocr.fieldmap import FieldSpec, FormSpec
from ocr.geometry import box_to_px, mm_to_px
from ocr.ink import ink_mask
from ocr.template import blank_page, print_mask

Rect = tuple[int, int, int, int]
"""x, y, w, h in pixels of the registered page."""

MARK_TYPES = ("choice", "check", "presence")
AREA_MARGIN_MM = 3.0
"""How far beyond its box and label a mark of an option may reach: a circle drawn around a
label passes 1-2 mm outside it, a sloppy one up to 3 mm."""
CONTEXT_MM = 3.0
"""Extra page around the area, so that a stroke leaving the area is seen to leave it."""
LABEL_START_MM = 2.5
"""A printed label starts within this of its box's right edge (blank_form draws it at 1 mm)."""
LABEL_GAP_MM = 2.5
"""A gap in the print wider than this ends a label: gaps between characters reach 1.5 mm
(インフル), the next box lies 4 mm or more beyond a label."""
PRINT_GROW_MM = 0.1
"""Print is taken away grown by this, for the scan's blur around printed strokes."""
ALIGN_SLACK_MM = 0.6
"""Largest local misfit between the registered page and the blank form that is corrected
before the print is taken away (registration leaves 1-5 px at 300 dpi)."""
BRIDGE_MM = 0.5
"""Reach from writing into a box's frame: a frame (0.5 mm, grown by PRINT_GROW_MM) crossed
by a stroke is bridged from both sides."""
FRAME_MM = 1.0
"""Width of a box's printed frame with registration slack, where bridges may lie."""
PAPER_WINDOW_MM = 8.0
"""Paper estimate window for marks: wider than a filled box (3.2 mm) or a small stamp, so
that their middle is seen as ink, not as paper."""
ENCLOSING = 0.75
"""Share of directions from which a piece surrounds an option for it to be that option's
circle (a circle left open by a quarter still is)."""
SPLIT_RATIO = 0.35
"""A field holding at least this share of a piece, relative to the field holding most of
it, has its own mark in the piece (marks of two questions touching); less is the other
field's circle reaching over (measured: an arc passing a neighbour's box holds 0.1-0.2)."""
GROUP_MM = 0.2
"""Gaps in a stroke up to twice this (a pencil line broken by the paper's grain) are
bridged when writing is grouped into pieces."""
TRACE_WEIGHT = 2
"""Specks inside a box count twice as unexplained writing: noise seldom lands there, but a
faint pencil tick that the scan broke into dots does (0.2-0.4 mm² of them)."""
MIN_PIECE_MM2 = 0.3
"""Smaller pieces of ink are specks (dust, noise, remnants of print), not writing: a 0.6 mm
dot. A tick in pencil is 1.5-2 mm², a short stray stroke 1 mm²."""
FAINT_MM2 = 0.4
"""Specks around one option (in its own part of the area) from which a field read blank may
be a mark too faint to hold together: a light pencil circle around a label (level 185-190)
breaks up into 0.7-1.9 mm² of specks and nothing larger. On development seed 17049 (500
office pages), 13 of the 14 marks read as sure blanks had 0.7-1.9 mm² of specks around the
option they marked (the 14th, a consent box, 0.06 mm²), and none of the 462 answers left
blank had any."""
BOX_INSET_MM = 0.7
"""The box's printed frame (0.5 mm) plus registration slack, left out of its interior."""
LABEL_PAD_MM = 0.3
STROKE_MM = 0.35
"""Writing is widened by this before its share of a box or label is taken, so that a thin
pencil tick (0.15-0.3 mm) weighs about as much as a ballpoint's (0.5 mm)."""
LINE_MM = 4.5
"""Least length of a strike line: longer than a filled box (3.2 mm) and than a tick's flat
parts, shorter than the double line a person draws across an option (6-20 mm)."""
LINE_ANGLES = (-20, -10, 0, 10, 20)
"""Slopes (degrees) at which strike lines are searched; a tick's arms are steeper."""
PRINT_GAP_MM = 1.3
"""Longest piece of a strike line lost under print: a box line (0.5 mm) or a label's stroke
grown by PRINT_GROW_MM on both sides."""
STRIKE_BAND = (0.2, 0.8)
"""Share of the box's height within which a strike line crosses the option (circle arcs
around a label or box pass above and below it)."""
SCRIBBLE_CROSSINGS = 4
"""Strokes crossed by a typical scan line through an option's ink from which the ink is a
scribble or hatching: a tick, cross, circle or fill give 1-2, a circle with a tick 3."""
COVERED_SHARE = 0.5
"""Box interior share above which writing that also covers the frame is a scribble or a
hatching over the box, not a mark: a tick covers 0.2-0.45 and leaves by one or two sides."""
FILL_SHARE = 0.3
"""Box interior share from which writing kept within the box is a fill: a filled box is the
answer however it is hatched (a zigzag of separate lines in pale ink crosses a scan line
5-9 times), whereas people withdraw a mark by striking or scribbling beyond the box."""
FILL_OUTSIDE = 0.03
"""Share of writing that may lie beyond a filled box's frame (0.5 mm out): a pen's slip."""
OUTSIDE_MM = (0.5, 1.5)
"""Band just outside a box's frame (beyond its print) searched for writing run over it."""
SOLID_MM = 1.6
"""Ink that stays after an erosion of this size is a solid blob: pen and pencil strokes
(< 0.8 mm) vanish, a filled box keeps a small core, a stamp most of itself."""
MAX_SOLID_MM2 = 4.0
"""Solid ink larger than a filled box's core (about 2.5 mm²) is a stamp, a smear, or a mark
blacked out by hatching."""
DARK_SOLID_LEVEL = 100
"""Median gray below which solid ink over one option is pen hatching that blacks out a
mark; reception stamps and seals (red or blue ink) scan at 120-190."""
STAMP_MM = 11.0
"""Writing gathered into a group taller and wider than this is a stamp: a row of options is
7 mm high, a circle around a label 4-8 mm; reception stamps are 16-24 mm, seals 9-13 mm.
Circles on three or more successive questions that touch also pass, and are doubted."""
STAMP_GATHER_MM = 0.4
"""Gaps up to twice this are bridged when gathering a stamp broken up by the print it lies
on (a box line with its slack, 0.7 mm); 1 mm already joins marks on successive rows."""
SEAL_MM = (8.0, 15.0)
"""Writing over a presence box that, gathered within SEAL_GATHER_MM, spans this both ways,
about as wide as high, and rings its own middle is a personal seal (印, 9-13 mm); a
signature's letters gather into a group far wider than high, and no mark is circled there."""
SEAL_GATHER_MM = 1.5
"""Gaps up to twice this are bridged when gathering a seal: the box's lines take away the
arcs of a seal pressed across them (up to 2.5 mm measured on 13 mm seals), and its letters
stand 1-2 mm from its ring."""
SEAL_ASPECT = 1.5
"""Largest ratio of a seal's width to its height (or height to width): a ring, tilted or
cut by the box's lines."""
RING_CORE = 0.3
"""Share of a group's extent, about its middle, that a seal's ring must surround."""
ANGLE_BINS = 24
FOREIGN_SHARE = 0.5
"""A piece of writing lying this much within a written field's box is that field's (unless
it is as large as a stamp, which is doubted wherever it lies)."""


@dataclass(frozen=True)
class OptionCore:
    """Where one option (or a check box, or a presence box) is printed on the page."""

    key: str
    index: int
    box: Rect
    label: Rect | None


@dataclass(frozen=True)
class OptionEvidence:
    """What is written on one option: `box_share` of the box interior covered by writing,
    `label_share` the writing over the label measured in box interiors, `around` the share
    of directions in which writing surrounds label or box (1.0 for a closed circle),
    `struck` whether the writing is struck through, `written_px` how much writing the
    option holds in all."""

    box_share: float
    label_share: float
    around: float
    struck: bool
    written_px: int


@dataclass(frozen=True)
class FieldEvidence:
    """The evidence of every option of a field, and the writing in the field's area that
    belongs to no option (pixels of stamps and blots, ink running out of the area)."""

    options: tuple[OptionEvidence, ...]
    unexplained_px: int
    px_per_mm2: float
    stamped_px: int = 0
    """The part of `unexplained_px` that lies in a stamp or seal."""
    faint_px: int = 0
    """The most specks (pieces under MIN_PIECE_MM2) around one of the field's options, in
    its own part of the area: what is left of a mark too faint to hold together."""
    neighbours_around: float = 0.0
    """The most that writing given to other fields surrounds one of this field's options
    from within the option's own part of the area (share of directions): a neighbour's
    circle reaching over passes on one side, this field's own circle broken into arcs that
    joined the neighbours' (circles round the boxes of successive questions touch) on
    several."""


def _rect_union(rects: list[Rect]) -> Rect:
    left = min(r[0] for r in rects)
    top = min(r[1] for r in rects)
    right = max(r[0] + r[2] for r in rects)
    bottom = max(r[1] + r[3] for r in rects)
    return left, top, right - left, bottom - top


def _grow(rect: Sequence[int], by: int) -> Rect:
    return rect[0] - by, rect[1] - by, rect[2] + 2 * by, rect[3] + 2 * by


def _label_extent(printed: np.ndarray, box: Rect, limit: int, dpi: int) -> Rect | None:
    """The printed label right of `box`, found in the blank form's print: the first run of
    printed columns that starts near the box, up to `limit` (the next box) or a wide gap."""
    x, y, w, h = box
    start = x + w + round(mm_to_px(0.3, dpi))
    band = printed[y:y + h, start:max(start, limit)]
    columns = np.flatnonzero(band.any(axis=0))
    if columns.size == 0 or columns[0] > mm_to_px(LABEL_START_MM, dpi):
        return None
    gaps = np.flatnonzero(np.diff(columns) > mm_to_px(LABEL_GAP_MM, dpi))
    last = columns[gaps[0]] if gaps.size else columns[-1]
    used = band[:, columns[0]:last + 1]
    rows = np.flatnonzero(used.any(axis=1))
    return (start + int(columns[0]), y + int(rows[0]), int(last - columns[0]) + 1,
            int(rows[-1] - rows[0]) + 1)


def _field_boxes(field: FieldSpec) -> list[tuple[float, float, float, float]]:
    return [option.box for option in field.options] if field.type == "choice" else [field.box]


def _next_on_row(box: Rect, boxes: list[Rect], page_width: int) -> int:
    """Where the next option box right of `box` on its row starts, where its label must
    end; the page's width when none is. The next option in the form's order may start the
    next row of a grid of options (the children's vaccines stand in two columns): its box
    lies left of this one, and a label sought up to it was never found."""
    x, y, w, h = box
    return min((other[0] for other in boxes
                if other[0] > x + w and other[1] < y + h and y < other[1] + other[3]),
               default=page_width)


@cache
def option_cores(spec: FormSpec, dpi: int) -> tuple[OptionCore, ...]:
    """Every option of every mark field of the form, with its label found in the print."""
    printed = print_mask(spec, dpi)
    cores = []
    for field in spec.fields:
        if field.type not in MARK_TYPES:
            continue
        boxes = [box_to_px(box, dpi) for box in _field_boxes(field)]
        for index, box in enumerate(boxes):
            label = None
            if field.type != "presence":
                label = _label_extent(printed, box, _next_on_row(box, boxes, printed.shape[1]),
                                      dpi)
            cores.append(OptionCore(field.key, index, box, label))
    return tuple(cores)


def _core_rects(core: OptionCore) -> list[Rect]:
    return [core.box] if core.label is None else [core.box, core.label]


@dataclass(frozen=True)
class _Print:
    """What the blank form shows in a window, prepared once per form for the local fit."""

    half: np.ndarray | None
    """The window at half resolution; None where it holds no print to fit by."""
    rows: np.ndarray
    columns: np.ndarray
    """Where the window is printed."""


@cache
def _print_in(spec: FormSpec, dpi: int, window: Rect) -> _Print:
    x, y, w, h = window
    template = blank_page(spec, dpi)[y:y + h, x:x + w]
    rows, columns = np.nonzero(print_mask(spec, dpi)[y:y + h, x:x + w])
    half = cv2.resize(template, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    return _Print(half if template.std() >= 1.0 and rows.size else None, rows, columns)


def _aligned_origin(gray: np.ndarray, spec: FormSpec, dpi: int, window: Rect, slack: int
                    ) -> tuple[int, int]:
    """Top-left corner on the page that best matches the blank form's `window`: the local
    fit of the print, within `slack` pixels of where registration put it. Matched at half
    resolution, then refined a pixel either way by where the form's print lands darkest:
    a quarter of the time of matching at full resolution (which was a third of reading a
    page's marks); on 360 generated option windows the same corner but for 10 a pixel
    apart, within the print's growth (PRINT_GROW_MM)."""
    x, y, w, h = window
    printed = _print_in(spec, dpi, window)
    search = gray[y - slack:y + h + slack, x - slack:x + w + slack]
    if search.shape != (h + 2 * slack, w + 2 * slack) or printed.half is None:
        return x, y
    scores = cv2.matchTemplate(cv2.resize(search, None, fx=0.5, fy=0.5,
                                          interpolation=cv2.INTER_AREA),
                               printed.half, cv2.TM_CCOEFF_NORMED)
    cx, cy = cv2.minMaxLoc(scores)[3]
    left = min(max(0, 2 * cx - 1), 2 * slack - 2)
    top = min(max(0, 2 * cy - 1), 2 * slack - 2)
    width = search.shape[1]
    flat = search.ravel()
    printed_at = (printed.rows + top) * width + printed.columns + left
    darkness = {(dx, dy): int(flat.take(printed_at + dy * width + dx).sum(dtype=np.int64))
                for dy in range(3) for dx in range(3)}
    dx, dy = min(darkness, key=darkness.__getitem__)
    return x + left + dx - slack, y + top + dy - slack


def _written(gray: np.ndarray, spec: FormSpec, window: Rect, frames: np.ndarray, dpi: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Writing in `window` (page pixels): ink relative to the paper, print taken away; the
    ink of the boxes' `frames` where writing crosses them, which joins the two halves of a
    tick cut by a box line back into one stroke (only frames: joining across a label's
    strokes would join a strike over one option with the mark on the next); and the page
    itself, fitted onto the blank form."""
    slack = round(mm_to_px(ALIGN_SLACK_MM, dpi))
    left, top = _aligned_origin(gray, spec, dpi, window, slack)
    x, y, w, h = window
    page = gray[top:top + h, left:left + w]
    ink = ink_mask(page, round(mm_to_px(PAPER_WINDOW_MM, dpi)))
    printed = print_mask(spec, dpi, round(mm_to_px(PRINT_GROW_MM, dpi)))[y:y + h, x:x + w]
    written = cv2.bitwise_and(ink, cv2.bitwise_not(printed))
    written = cv2.morphologyEx(written, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    written = cv2.morphologyEx(written, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    reach = 2 * round(mm_to_px(BRIDGE_MM, dpi)) + 1
    near = cv2.dilate(written, np.ones((reach, reach), np.uint8))
    return written, cv2.bitwise_and(cv2.bitwise_and(near, ink), frames), page


def _frames(boxes: list[Rect], window: Rect, dpi: int) -> np.ndarray:
    """Where the boxes' printed frames may lie in `window`, with registration slack."""
    x, y, w, h = window
    frames = np.zeros((h, w), np.uint8)
    thickness = round(mm_to_px(FRAME_MM, dpi))
    for bx, by, bw, bh in boxes:
        cv2.rectangle(frames, (bx - x, by - y), (bx - x + bw, by - y + bh), 255, thickness)
    return frames


def _overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _window(every: tuple[OptionCore, ...], key: str, shape: tuple[int, int], dpi: int
            ) -> Rect:
    """The page around field `key`: its area, the areas of the options next to it (whose
    circles may reach into it), and the context, clipped to the page."""
    margin = round(mm_to_px(AREA_MARGIN_MM, dpi))
    areas = [[_grow(r, margin) for r in _core_rects(core)] for core in every]
    own = _rect_union([r for core, rects in zip(every, areas, strict=True) if core.key == key
                       for r in rects])
    near = [r for rects in areas if any(_overlap(r, own) for r in rects) for r in rects]
    x, y, w, h = _grow(_rect_union(near), round(mm_to_px(CONTEXT_MM, dpi)))
    left, top = max(0, x), max(0, y)
    return left, top, min(shape[1], x + w) - left, min(shape[0], y + h) - top


def _nearest(cores: list[OptionCore], window: Rect) -> tuple[np.ndarray, np.ndarray]:
    """For every window pixel, the index of the core it lies nearest to and the distance
    (px) to it, in one labelled distance transform."""
    x0, y0, w, h = window
    outside = np.full((h, w), 255, np.uint8)
    owner = np.full((h, w), -1, np.int32)
    for index, core in enumerate(cores):
        for x, y, cw, ch in _core_rects(core):
            rows = slice(max(0, y - y0), max(0, y - y0 + ch))
            columns = slice(max(0, x - x0), max(0, x - x0 + cw))
            outside[rows, columns] = 0
            owner[rows, columns] = index
    distance, labels = cv2.distanceTransformWithLabels(outside, cv2.DIST_L2, 3,
                                                       labelType=cv2.DIST_LABEL_PIXEL)
    # labels number the zero (core) pixels in row-major order
    owners = np.concatenate(([0], owner[outside == 0]))
    return np.maximum(owners[labels], 0), distance


def _over_cores(cores: list[OptionCore], window: Rect, shape: tuple[int, ...]) -> np.ndarray:
    """Index of the core whose box or label holds each window pixel, -1 elsewhere."""
    over = np.full(shape, -1, np.int32)
    for index, core in enumerate(cores):
        for x, y, w, h in _core_rects(core):
            left, top = max(0, x - window[0]), max(0, y - window[1])
            over[top:max(0, y - window[1] + h), left:max(0, x - window[0] + w)] = index
    return over


def _inside(mask: np.ndarray, rect: Rect, window: Rect) -> np.ndarray:
    """The part of `mask` (window pixels) within `rect` (page pixels)."""
    x, y, w, h = rect[0] - window[0], rect[1] - window[1], rect[2], rect[3]
    return mask[max(0, y):max(0, y + h), max(0, x):max(0, x + w)]


def _share(mask: np.ndarray, rect: Rect, window: Rect) -> float:
    """Share of `rect` (page pixels) covered by `mask` (window pixels)."""
    x, y, w, h = rect[0] - window[0], rect[1] - window[1], rect[2], rect[3]
    part = mask[max(0, y):max(0, y + h), max(0, x):max(0, x + w)]
    return float(np.count_nonzero(part)) / max(w * h, 1)


def _around_points(rows: np.ndarray, columns: np.ndarray, rect: Rect, window: Rect) -> float:
    """Share of the directions, seen from the middle of `rect`, in which ink (given by its
    pixels' coordinates in `window`) lies outside `rect`: a circle around it covers them
    all, a tick beside it a few."""
    x, y, w, h = rect[0] - window[0], rect[1] - window[1], rect[2], rect[3]
    outside = (columns < x) | (columns >= x + w) | (rows < y) | (rows >= y + h)
    if not outside.any():
        return 0.0
    # directions are measured with the rectangle squashed to a square, so that an ellipse
    # around a long label spreads over all directions as a circle would
    dx = (columns[outside] - (x + w / 2)) / max(w, 1)
    dy = (rows[outside] - (y + h / 2)) / max(h, 1)
    bins = ((np.arctan2(dy, dx) + np.pi) / (2 * np.pi) * ANGLE_BINS).astype(int) % ANGLE_BINS
    return len(np.unique(bins)) / ANGLE_BINS


def _line_kernel(length: int, degrees: float) -> np.ndarray:
    radians = np.deg2rad(degrees)
    half = length / 2
    dx, dy = half * np.cos(radians), half * np.sin(radians)
    size = int(np.ceil(max(abs(dx), abs(dy)))) * 2 + 1
    kernel = np.zeros((size, size), np.uint8)
    centre = size // 2
    cv2.line(kernel, (round(centre - dx), round(centre - dy)),
             (round(centre + dx), round(centre + dy)), 1, 1)
    return kernel


def _strike_lines(mask: np.ndarray, box: Rect, window: Rect, dpi: int) -> int:
    """How many long, nearly level lines (0, 1 or 2 and more) run side by side through the
    middle band of the option's box height for at least LINE_MM: circle arcs around a
    label only dip into the band where they turn. A line cut by the print it crosses (a
    box line, a label's strokes) is joined again along its own direction."""
    length = round(mm_to_px(LINE_MM, dpi))
    gap = round(mm_to_px(PRINT_GAP_MM, dpi))
    lines = np.zeros_like(mask)
    for degrees in LINE_ANGLES:
        joined = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _line_kernel(gap, degrees))
        lines |= cv2.morphologyEx(joined, cv2.MORPH_OPEN, _line_kernel(length, degrees))
    top = max(0, box[1] - window[1] + round(STRIKE_BAND[0] * box[3]))
    bottom = max(0, box[1] - window[1] + round(STRIKE_BAND[1] * box[3]))
    band = (lines[top:bottom] > 0).astype(np.int8)
    runs = np.count_nonzero(np.diff(band, axis=0, prepend=0) == 1, axis=0)
    return max((count for count in (2, 1) if np.count_nonzero(runs >= count) >= length),
               default=0)


def _crossings(mask: np.ndarray) -> float:
    """Strokes a scan line crosses through the ink, the larger of rows and columns (80th
    percentile of the lines that meet any ink)."""
    if not mask.any():
        return 0.0
    x, y, w, h = cv2.boundingRect(cv2.findNonZero(mask))
    part = (mask[y:y + h, x:x + w] > 0).astype(np.int8)
    found = []
    for lines in (part, part.T):
        starts = np.count_nonzero(np.diff(lines, axis=1, prepend=0) == 1, axis=1)
        starts = starts[starts > 0]
        found.append(float(np.percentile(starts, 80)) if starts.size else 0.0)
    return max(found)


def _solid_px(pixels: np.ndarray, dpi: int) -> int:
    """Pixels of a piece (not touching the window's edge) left by the SOLID_MM erosion;
    nothing beyond `pixels` is the piece, so it is eroded as from empty paper."""
    size = max(3, round(mm_to_px(SOLID_MM, dpi)) | 1)
    mask = np.where(pixels, 255, 0).astype(np.uint8)
    return int(np.count_nonzero(cv2.erode(mask, np.ones((size, size), np.uint8),
                                          borderType=cv2.BORDER_CONSTANT, borderValue=0)))


def _touches_edge(pixels: np.ndarray, rect: Rect, shape: tuple[int, ...]) -> bool:
    """Whether `pixels`, lying in `rect` of a window of `shape`, reach the window's edge."""
    x, y, w, h = rect
    return bool((y == 0 and pixels[0].any()) or (y + h == shape[0] and pixels[-1].any())
                or (x == 0 and pixels[:, 0].any()) or (x + w == shape[1] and pixels[:, -1].any()))


@dataclass(frozen=True)
class _Scene:
    """The writing around one field and where every option near it lies."""

    near: list[OptionCore]
    mine: list[int]
    window: Rect
    written: np.ndarray
    page: np.ndarray
    nearest: np.ndarray
    """Index (in `near`) of the option each pixel lies nearest to."""
    inside: np.ndarray
    """Whether each pixel lies within AREA_MARGIN_MM of an option."""
    field_of: np.ndarray
    """Index (in `keys`) of the field of that option."""
    keys: list[str]
    over: np.ndarray
    dpi: int
    own_areas: tuple[np.ndarray, ...]
    """For each of this field's options (as `mine`), where the area is nearer to it than to
    any other option (`inside` and `nearest` together, made once per form)."""

    @property
    def ours(self) -> int:
        return self.keys.index(self.near[self.mine[0]].key)

    def part(self, rect: Rect) -> _Scene:
        """The scene within `rect` (window pixels), so that a piece of writing is worked on
        over its own extent instead of the whole window."""
        x, y, w, h = rect
        rows, columns = slice(y, y + h), slice(x, x + w)
        return replace(self, window=(self.window[0] + x, self.window[1] + y, w, h),
                       written=self.written[rows, columns], page=self.page[rows, columns],
                       nearest=self.nearest[rows, columns], inside=self.inside[rows, columns],
                       field_of=self.field_of[rows, columns], over=self.over[rows, columns],
                       own_areas=tuple(area[rows, columns] for area in self.own_areas))


@dataclass(frozen=True)
class _Layout:
    """Where the options around one field lie in its window: the same on every page of a
    form, so it is worked out once (see _layout) and only the writing per page."""

    window: Rect
    near: list[OptionCore]
    mine: list[int]
    keys: list[str]
    nearest: np.ndarray
    inside: np.ndarray
    field_of: np.ndarray
    over: np.ndarray
    frames: np.ndarray
    foreign: np.ndarray
    """Where the boxes of the form's written fields (names, dates, digits) lie."""
    own_areas: tuple[np.ndarray, ...]


def _foreign(spec: FormSpec, window: Rect, dpi: int) -> np.ndarray:
    """Window pixels inside the boxes of fields that are written rather than marked: the
    birth date's digits stand 2.5 mm above the sex options, and a digit reaching its box's
    bottom is that field's writing, not ink this field must explain."""
    x0, y0, w, h = window
    foreign = np.zeros((h, w), bool)
    for field in spec.fields:
        if field.type not in MARK_TYPES:
            x, y, bw, bh = box_to_px(field.box, dpi)
            foreign[max(0, y - y0):max(0, y - y0 + bh), max(0, x - x0):max(0, x - x0 + bw)] = True
    return foreign


@cache
def _layout(spec: FormSpec, dpi: int, key: str, shape: tuple[int, int]) -> _Layout:
    """The layout of field `key` on a registered page of `shape` (arrays read-only, as they
    are shared by the pages and the reading threads)."""
    every = option_cores(spec, dpi)
    window = _window(every, key, shape, dpi)
    near = [core for core in every if any(_overlap(r, window) for r in _core_rects(core))]
    mine = [index for index, core in enumerate(near) if core.key == key]
    nearest, distance = _nearest(near, window)
    keys = sorted({core.key for core in near})
    inside = distance <= mm_to_px(AREA_MARGIN_MM, dpi)
    arrays = (nearest, inside, np.array([keys.index(core.key) for core in near])[nearest],
              _over_cores(near, window, nearest.shape),
              _frames([core.box for core in near], window, dpi),
              _foreign(spec, window, dpi))
    own_areas = tuple(inside & (nearest == index) for index in mine)
    for array in (*arrays, *own_areas):
        array.setflags(write=False)
    return _Layout(window, near, mine, keys, *arrays, own_areas)


@dataclass(frozen=True)
class _Pieces:
    """The writing of a scene grouped into labelled pieces."""

    labels: np.ndarray
    areas: np.ndarray
    """Pixels of each label."""
    kept: np.ndarray
    """Where a piece of at least MIN_PIECE_MM2 lies (specks left out)."""
    stamped: np.ndarray
    """Where the writing is a stamp's."""
    extents: np.ndarray
    """Each piece's bounding rectangle (window pixels)."""


def _scene(gray: np.ndarray, field: FieldSpec, dpi: int, spec: FormSpec
           ) -> tuple[_Scene, _Pieces]:
    """The scene of `field` and its writing grouped into pieces."""
    layout = _layout(spec, dpi, field.key, gray.shape[:2])
    written, bridges, page = _written(gray, spec, layout.window, layout.frames, dpi)
    group = np.ones((2 * round(mm_to_px(GROUP_MM, dpi)) + 1,) * 2, np.uint8)
    grouped = cv2.bitwise_or(cv2.morphologyEx(written, cv2.MORPH_CLOSE, group), bridges)
    count, labels = cv2.connectedComponents(grouped)
    labels[written == 0] = 0
    extents, areas = _extents(labels, count, written)
    stamp_px = mm_to_px(STAMP_MM, dpi)
    in_foreign = np.bincount(labels[layout.foreign], minlength=count)
    elsewhere = ((in_foreign >= FOREIGN_SHARE * np.maximum(areas, 1))
                 & ((extents[:, 2] < stamp_px) | (extents[:, 3] < stamp_px)))
    elsewhere[0] = False
    if elsewhere.any():
        dropped = elsewhere[labels]
        labels[dropped] = 0
        written[dropped] = 0
        areas[elsewhere] = 0
    scene = _Scene(layout.near, layout.mine, layout.window, written, page, layout.nearest,
                   layout.inside, layout.field_of, layout.keys, layout.over, dpi,
                   layout.own_areas)
    pieces = np.where(areas >= MIN_PIECE_MM2 * mm_to_px(1.0, dpi) ** 2, 255, 0).astype(np.uint8)
    pieces[0] = 0
    kept = pieces[labels]
    stamped = _stamped(kept, dpi)
    if field.type == "presence":
        stamped |= _sealed(kept, dpi)
    return scene, _Pieces(labels, areas, kept > 0, stamped, extents)


def _extents(labels: np.ndarray, count: int, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounding rectangle (x, y, w, h) of each of `count` labels, `mask` (uint8) being
    nonzero where `labels` are, and its pixels (label 0: every pixel not under the mask);
    from the labelled pixels alone (a label without pixels gets an empty rectangle),
    grouped by a sort: cheaper than OpenCV's component statistics, which work on every pixel
    of the window, than numpy's unbuffered minimum.at, and than counting every label over
    the window."""
    points = cv2.findNonZero(mask)
    points = np.zeros((0, 2), np.int32) if points is None else points.reshape(-1, 2)
    columns, rows = points[:, 0], points[:, 1]
    owner = labels[rows, columns]
    order = np.argsort(owner, kind="stable")
    owner, columns, rows = owner[order], columns[order], rows[order]
    starts = np.flatnonzero(np.diff(owner, prepend=-1))
    present = owner[starts]
    low = np.full((2, count), max(labels.shape), np.int64)
    high = np.full((2, count), -1, np.int64)
    areas = np.zeros(count, np.int64)
    if starts.size:
        for axis, values in enumerate((columns, rows)):
            low[axis, present] = np.minimum.reduceat(values, starts)
            high[axis, present] = np.maximum.reduceat(values, starts)
        areas[present] = np.diff(starts, append=len(owner))
    areas[0] = labels.size - len(owner)
    size = np.maximum(high - low + 1, 0)
    return np.stack([low[0], low[1], size[0], size[1]], axis=1), areas


def _rings(pixels: np.ndarray) -> bool:
    """Whether `pixels` surround their own middle as a seal's ring does."""
    rows, columns = np.nonzero(pixels)
    height, width = pixels.shape
    core = (round(width * (1 - RING_CORE) / 2), round(height * (1 - RING_CORE) / 2),
            max(1, round(width * RING_CORE)), max(1, round(height * RING_CORE)))
    return _around_points(rows, columns, core, (0, 0, width, height)) >= ENCLOSING


def _sealed(written: np.ndarray, dpi: int) -> np.ndarray:
    """Where a personal seal lies: the outline of writing (255, specks left out) that,
    gathered within SEAL_GATHER_MM, is a ring of a seal's size (SEAL_MM, SEAL_ASPECT)."""
    zone = np.zeros(written.shape, np.uint8)
    reach = round(mm_to_px(SEAL_GATHER_MM, dpi))
    gathered = cv2.morphologyEx(written, cv2.MORPH_CLOSE, np.ones((2 * reach + 1,) * 2,
                                                                  np.uint8))
    count, groups = cv2.connectedComponents(gathered)
    extents, _ = _extents(groups, count, gathered)
    low, high = (mm_to_px(size, dpi) for size in SEAL_MM)
    for group in range(1, count):
        left, top, w, h = (int(value) for value in extents[group])
        if not (low < min(w, h) and max(w, h) < high and max(w, h) <= SEAL_ASPECT * min(w, h)):
            continue
        pixels = (groups[top:top + h, left:left + w] == group) & (
            written[top:top + h, left:left + w] > 0)
        if _rings(pixels):
            points = cv2.findNonZero(pixels.astype(np.uint8))
            cv2.fillPoly(zone, [cv2.convexHull(points) + (left, top)], 255)
    return zone > 0


def _stamped(written: np.ndarray, dpi: int) -> np.ndarray:
    """Where a stamp lies: the outline (convex hull) of writing (255, specks left out)
    that, gathered with its neighbours within STAMP_GATHER_MM, spans more than STAMP_MM
    both ways (one way, where the window cuts it off). Everything inside is doubtful: the
    stamp's own broken-off bits (its text, arcs cut by print) and any mark it covers."""
    reach = round(mm_to_px(STAMP_GATHER_MM, dpi))
    gather = np.ones((2 * reach + 1,) * 2, np.uint8)
    zone = np.zeros(written.shape, np.uint8)
    height, width = written.shape
    # gathered over the writing's extent only: a closing reaches no further than twice its
    # kernel, so beyond that margin the window holds nothing to gather
    x, y, w, h = _grow(cv2.boundingRect(written), 4 * reach + 2)
    x0, y0 = max(0, x), max(0, y)
    part = written[y0:min(height, y + h), x0:min(width, x + w)]
    gathered = cv2.morphologyEx(part, cv2.MORPH_CLOSE, gather)
    count, groups = cv2.connectedComponents(gathered)
    extents, _ = _extents(groups, count, gathered)
    least = mm_to_px(STAMP_MM, dpi)
    for group in range(1, count):
        left, top, w, h = extents[group]
        left, top = left + x0, top + y0
        cut = left == 0 or top == 0 or left + w == width or top + h == height
        if (w > least and h > least) or (cut and max(w, h) > least):
            points = cv2.findNonZero(np.where(groups == group, 255, 0).astype(np.uint8))
            cv2.fillPoly(zone, [cv2.convexHull(points) + (x0, y0)], 255)
    return zone > 0


def field_evidence(gray: np.ndarray, field: FieldSpec, dpi: int, spec: FormSpec
                   ) -> FieldEvidence:
    """The marks written on `field` of a page registered onto `spec` at `dpi`."""
    scene, pieces = _scene(gray, field, dpi, spec)
    labels, areas, stamped, extents = pieces.labels, pieces.areas, pieces.stamped, pieces.extents
    px_per_mm2 = mm_to_px(1.0, dpi) ** 2
    min_piece = MIN_PIECE_MM2 * px_per_mm2
    option_ink = [np.zeros(labels.shape, np.uint8) for _ in scene.mine]
    covered = [False for _ in scene.mine]
    stamped_px = 0
    speck = areas < min_piece
    speck[0] = False
    traces = [int(np.count_nonzero(speck[_inside(labels, _grow(
        scene.near[index].box, -round(mm_to_px(BOX_INSET_MM, dpi))), scene.window)]))
        for index in scene.mine]
    unexplained = 0
    for piece in np.flatnonzero(areas[1:] >= min_piece) + 1:
        x, y, w, h = extents[piece]
        rows, columns = slice(y, y + h), slice(x, x + w)
        part = scene.part((x, y, w, h))
        ours = _our_part(part, labels[rows, columns] == piece)
        size = int(np.count_nonzero(ours))
        if size < min_piece:
            continue
        runs_out = size - np.count_nonzero(ours & part.inside) > 0.2 * size
        owners = _split_options(part, ours)
        in_stamp = bool((ours & stamped[rows, columns]).any())
        stamped_px += size if in_stamp else 0
        if runs_out or in_stamp or _touches_edge(ours, (x, y, w, h), labels.shape):
            unexplained += size  # a stamp, writing that runs out of the area
            continue
        solid = _solid_px(ours, dpi) > MAX_SOLID_MM2 * px_per_mm2
        filled = solid and len(owners) == 1 and _kept_in(
            ours, scene.near[scene.mine[next(iter(owners))]].box, part.window, dpi)
        if solid and not filled and (len(owners) > 1
                                     or float(np.median(part.page[ours])) >= DARK_SOLID_LEVEL):
            unexplained += size  # a blot, or a stamp's solid ink
            continue
        for position, pixels in owners.items():
            option_ink[position][rows, columns][pixels] = 255
            covered[position] |= solid and not filled  # ink hatched solid over one option
    # specks in a box that holds writing are that writing broken up (a faint pencil cross);
    # in an empty box they may be all there is of a mark
    unexplained += TRACE_WEIGHT * sum(count for count, ink in zip(traces, option_ink, strict=True)
                                      if not ink.any())
    # writing of other fields, and this field's own that is doubted (it stays counted)
    given = pieces.kept.copy()
    for ink in option_ink:
        given &= ink == 0
    for position, index in enumerate(scene.mine):
        circled = _circled(scene, given, index)
        option_ink[position][circled] = 255
        # circles on three or more questions that touch gather into a "stamp": the value
        # is this circle's, the doubt stays
        unexplained += int(np.count_nonzero(circled & stamped))
        given &= ~circled
    options = tuple(_option_evidence(ink, scene.near[index], scene.window, dpi, hatched)
                    for index, ink, hatched in zip(scene.mine, option_ink, covered, strict=True))
    around = max((_given_around(scene, given, index)[1] for index in scene.mine), default=0.0)
    specks = speck[labels]
    faint = max((int(np.count_nonzero(specks & area)) for area in scene.own_areas), default=0)
    return FieldEvidence(options, unexplained, px_per_mm2, stamped_px, faint, around)


def _circle_targets(core: OptionCore) -> list[Rect]:
    """What a circle may be drawn around: the box, the label, or both together."""
    return _core_rects(core) + ([_rect_union(_core_rects(core))] if core.label else [])


def _given_around(scene: _Scene, given: np.ndarray, index: int) -> tuple[np.ndarray, float]:
    """The writing in option `index`'s own part of the area (nearer to it than to any other
    option) that was given to other fields, and how much of the option it surrounds (share
    of directions)."""
    cell = given & scene.own_areas[scene.mine.index(index)]
    if not cell.any():
        return cell, 0.0
    rows, columns = np.nonzero(cell)
    return cell, max(_around_points(rows, columns, target, scene.window)
                     for target in _circle_targets(scene.near[index]))


def _circled(scene: _Scene, given: np.ndarray, index: int) -> np.ndarray:
    """The writing given to other fields that encircles option `index` from its own part of
    the area: a circle around a box that touches the circles of the questions above and
    below falls apart into arcs joined to theirs, each of which encloses only its own
    question."""
    cell, around = _given_around(scene, given, index)
    return cell if around >= ENCLOSING else np.zeros_like(cell)


def _split_options(scene: _Scene, ours: np.ndarray) -> dict[int, np.ndarray]:
    """This field's part of a piece by option (positions in `scene.mine`): all of it for
    the option nearest most of it, unless it holds marks on two options that touch (a
    circle around one label run into the scribble over the next box), which are split by
    nearness."""
    counts = np.bincount(scene.nearest[ours], minlength=len(scene.near))[scene.mine]
    substantial = np.flatnonzero(counts >= SPLIT_RATIO * counts.max())
    if len(substantial) == 1:
        return {int(substantial[0]): ours}
    return {int(position): ours & (scene.nearest == scene.mine[position])
            for position in substantial}


def _enclosed(pixels: np.ndarray, cores: list[OptionCore], window: Rect) -> list[int]:
    """The cores that a piece of writing encircles (label, box, or both); only a core
    within the piece's extent can be."""
    rows, columns = np.nonzero(pixels)
    extent = (int(columns.min()) + window[0], int(rows.min()) + window[1],
              int(np.ptp(columns)) + 1, int(np.ptp(rows)) + 1)
    found = []
    for index, core in enumerate(cores):
        if any(_overlap(target, extent) and _around_points(rows, columns, target, window)
               >= ENCLOSING for target in _circle_targets(core)):
            found.append(index)
    return found


def _our_part(scene: _Scene, pixels: np.ndarray) -> np.ndarray:
    """The pixels of a piece of writing that belong to this field. A circle belongs to
    what it encloses, wherever its arcs pass. Otherwise a piece lying mostly nearer this
    field's options is this field's; but where marks of several fields touch (circles on
    successive questions meeting), each field keeps the part nearer its own options, and
    writing over an option is always that option's field's."""
    shares = np.bincount(scene.field_of[pixels], minlength=len(scene.keys)) / max(
        1, int(np.count_nonzero(pixels)))
    enclosed = {scene.keys.index(scene.near[index].key)
                for index in _enclosed(pixels, scene.near, scene.window)}
    if len(enclosed) == 1:
        shares = np.where(np.arange(len(scene.keys)) == enclosed.pop(), 1.0, 0.0)
    over_ours = np.isin(scene.over, scene.mine)
    over_others = (scene.over >= 0) & ~over_ours
    substantial = shares >= SPLIT_RATIO * shares.max()
    if not substantial[scene.ours]:
        return pixels & over_ours
    if np.count_nonzero(substantial) == 1:
        return pixels & ~over_others
    return pixels & (scene.field_of == scene.ours) & ~over_others


def _covers_box(ink: np.ndarray, box: Rect, window: Rect, dpi: int) -> bool:
    """Whether writing runs out over the box's frame on three sides or more, as a scribble
    or hatching over a mark does; a fill stays inside, a tick leaves by one or two sides."""
    x, y, w, h = box[0] - window[0], box[1] - window[1], box[2], box[3]
    near, far = round(mm_to_px(OUTSIDE_MM[0], dpi)), round(mm_to_px(OUTSIDE_MM[1], dpi))
    sides = (ink[y:y + h, max(0, x - far):x - near], ink[y:y + h, x + w + near:x + w + far],
             ink[max(0, y - far):y - near, x:x + w], ink[y + h + near:y + h + far, x:x + w])
    return sum(bool(np.count_nonzero(side)) for side in sides) >= 3


def _kept_in(ink: np.ndarray, box: Rect, window: Rect, dpi: int) -> bool:
    """Whether the writing stays within the box's frame, as a fill does."""
    reach = round(mm_to_px(OUTSIDE_MM[0], dpi))
    within = np.count_nonzero(_inside(ink, _grow(box, reach), window))
    return bool(within >= (1 - FILL_OUTSIDE) * np.count_nonzero(ink))


def _around_ink(ink: np.ndarray, window: Rect, dpi: int) -> tuple[np.ndarray, Rect]:
    """The part of `ink` (window pixels) around its writing and where that part lies on
    the page: every measure of an option's writing is local, so it is taken over this part
    alone. The farthest reach is a strike line's: its closing looks twice the gap's half
    beyond the writing, its opening half a line length beyond that."""
    gap_reach = math.ceil(round(mm_to_px(PRINT_GAP_MM, dpi)) / 2)
    margin = 2 * gap_reach + math.ceil(round(mm_to_px(LINE_MM, dpi)) / 2) + 2
    x, y, w, h = _grow(cv2.boundingRect(ink), margin)
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(ink.shape[1], x + w), min(ink.shape[0], y + h)
    return ink[y0:y1, x0:x1], (window[0] + x0, window[1] + y0, x1 - x0, y1 - y0)


def _option_evidence(ink: np.ndarray, core: OptionCore, window: Rect, dpi: int,
                     hatched: bool) -> OptionEvidence:
    """What `ink` shows on option `core`; `hatched` when part of it is dark ink laid on
    solid, which is how a mark is blacked out."""
    written_px = int(np.count_nonzero(ink))
    if not written_px:
        return OptionEvidence(0.0, 0.0, 0.0, False, 0)
    covers = _covers_box(ink, core.box, window, dpi)
    ink, window = _around_ink(ink, window, dpi)
    interior = _grow(core.box, -round(mm_to_px(BOX_INSET_MM, dpi)))
    size = max(1, round(mm_to_px(STROKE_MM, dpi)))
    wide = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    box_share = _share(wide, interior, window)
    label_share = 0.0
    targets = [core.box]
    if core.label is not None:
        label = _grow(core.label, round(mm_to_px(LABEL_PAD_MM, dpi)))
        label_share = _share(wide, label, window) * label[2] * label[3] / (
            interior[2] * interior[3])
        targets += [label, _rect_union([core.box, label])]
    rows, columns = np.nonzero(ink)
    around = max(_around_points(rows, columns, target, window) for target in targets)
    filled = box_share >= FILL_SHARE and _kept_in(ink, core.box, window, dpi)
    struck = not filled and (hatched or _strike_lines(ink, core.box, window, dpi) >= 2
              or _crossings(ink) >= SCRIBBLE_CROSSINGS
              or (box_share >= COVERED_SHARE and covers))
    return OptionEvidence(box_share, label_share, around, struck, written_px)
