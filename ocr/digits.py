"""Reads boxed digit rows (digits and date fields) as one packed strip per field.

Reading the strip rather than box by box is both faster and more accurate: the line models
see the digits in context. A reading passes only with every box read, a real date, and
PP-OCR's reading checked by Tesseract or, where no Tesseract rendering agrees, by ddddocr
(see ocr.confidence, ocr.dddd).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

import cv2
import numpy as np

from ocr import dddd, ppocr
from ocr.cleanup import (
    PAD_PX,
    crop,
    for_tesseract,
    ink_mask,
    on_paper,
    remove_lines,
    scale_to_height,
)
from ocr.confidence import Floors, cross_checked, lowest_symbol, unconfirmed
from ocr.fieldmap import FieldSpec
from ocr.geometry import box_to_px, mm_to_px
from ocr.ink import as_seen, lift_paper
from ocr.tesseract import CHAR_MODE, LINE_MODE, WORD_MODE, read_line

DIGITS = "0123456789"
CROP_MARGIN_MM = 1.0
UNDERLINE_MARGIN_MM = 2.0
"""Crop margin of an underlined row (FieldSpec.underline): no box line stops writing that
strays above or beside its place, and the form prints the row's 年/月/日 further away."""
TICK_ZONE_MM = (1.9, 0.35)
"""Where an underlined row's ticks are taken away: from this far above its line to its
middle, and this far either side of where the form prints them (the tick, 0.3 mm wide, and
registration slack)."""
MIN_GLYPH_PX = 40
"""Fewer ink pixels than this in a box is noise, not a digit."""
SMUDGE_INK = 0.5
"""Ink share inside the boxes above which the row is smudged or blacked out: no hand covers
half of a box. It was 0.3, which bold hands reach: on 5,413 digit rows of 600 development
pages (seeds 17029, 17033) 29 rows were over it, every one legible writing of a clinic code
or a date (the boldest 0.42), and each sent its page to a person with the field blank."""
STRIKE_CELLS = 2.0
"""Length, in boxes, of a straight run of ink through the middle of a row from which the
row is struck out (_struck); on the same 5,413 rows the longest run of writing was 1.4
boxes (a stamp over a clinic code), of writing alone 1.2."""
EDGE_LINE_SHARE = 0.6
"""Share of a row of boxes' width a pixel row of its top or bottom line is inked over (the
vertical lines and the writing break it nowhere else)."""
STRIKE_SHARE = 0.9
"""Share of a row shorter than STRIKE_CELLS boxes (a month, a dose number) a strike runs
through."""
CROSSING_MM = 0.6
"""Reach across a removed box line within which a stroke on both sides is one stroke: the
printed line (0.3-0.4 mm) and the margin line removal takes around it."""
BOX_INSET_MM = 0.6
GLYPH_GAP = 0.25
CHECK_HEIGHT_PX = 64
"""Height of Tesseract's second rendering of a strip (printed digits are about 48 px), read
only when its first disagrees with PP-OCR. A single digit is read as a character first and
then as a word at its own size instead: word mode at 64 px reads most lone digits as
nothing."""
FLOORS = Floors(checker=0.5, ppocr=0.9)
"""Lowest digit confidences with which an agreed strip passes. Measured on 1,350 agreed digit,
date, phone, ticket and lot fields of generated pages in hands the readers were not tuned
on: PP-OCR scores right strips 0.99 and more (5th percentile), and the one agreed wrong
strip (1962 read as 1952 by both) at 0.82; Tesseract scores its digits 0.94-0.99 right or
wrong, so its floor only keeps out readings it is plainly unsure of."""
DDDD_FLOORS = Floors(checker=0.9, ppocr=0.9)
"""Floors with which ddddocr's agreement confirms a strip no Tesseract rendering agreed on.
Measured on 2,789 digit and date fields of 540 development pages (seeds 17020, 17027 poor,
17029): of the 197 complete strips PP-OCR read at 0.9 or more and Tesseract did not
confirm, ddddocr agreed at 0.9 or more on 76, none wrong; the two misreadings it agreed
with it read at 0.66 and 0.74 (an 8 read as 3, 368 as 363)."""
INCOMPLETE_FACTOR = 0.3
"""Confidence scale for a strip without one real digit per box (or a real date): mostly
misread, for a person to correct."""
FIRST_YEAR = 1900
ALONG_LINE_MM = 1.0
"""Length along a box's vertical line from which writing beside it (TOUCH_PX) may lie on the
line, and the row is read again with the line put back (_confirmed_restored). It was 2.5 mm
while such a row was never sure (2.8 % of sure fields reach it); with the second reading
as the check, a shorter stretch costs little. Measured on 1,420 development pages (seeds
17020, 17029, 17031, 17032): at 1.0 mm, of 6,564 right sure digit and date fields 43
become unsure (5 unsure ones sure), and 3 of the 28 sure wrong ones become unsure, two of
them vaccination dates that went to the ledger (a 2 whose stem lay on the line between two
boxes read as 1, 2013 for 2023; a day's 0 drawn over its row's first line, its right half
read as 1, 19 for 09); at 1.5 mm 26 and one of the dates."""
ACROSS_EDGE_MM = 1.2
"""Length of writing on both sides of a row's top or bottom line (TOUCH_PX) from which a
stroke lies along that line. A digit commonly sits on its box's bottom line or reaches up
to its top one, so writing on one side says nothing; on both sides it does. Measured on
2,204 digit and date fields of 420 development pages (seeds 17020, 17029): 11 of the 1,933
sure fields have it, among them the one sure wrong date whose stroke lay on a line (a 2
drawn over the bottom line, its base on the line, read as 1 by both recognisers: 2013 for
2023; 1.6 mm on both sides); none of the other sure wrong fields does."""
LINE_SEARCH_MM = 0.8
"""How far from where the form puts a vertical line it is looked for (registration slack
and the line's own width)."""
TOUCH_PX = 3
"""Writing this close to a line's edge touches it: the lines are taken away grown by a
pixel."""
OTHERWISE_FLOOR = 0.5
"""Least probability at which a digit the closed-loop view reads otherwise is another
reading of the writing (_closed_otherwise): below it PP-OCR is guessing. A 9 whose loop
lay on the top line, read 4 by every other view, reads 9 there at 0.94-0.99 (seed 900617
page 108, seed 17039 page 199); a year's 5 closed into 6 at 0.04 held back 2025-09-01, read
at 0.99 and confirmed by Tesseract (seed 17049 page 420). Read otherwise at 0.81-0.90,
three right dates of development seeds 17047 and 17048 stay unsure: asking for 0.9 would
make them sure, but leaves less room under the 9s' 0.94."""
PUT_BACK_FLOOR = 0.5
"""Least probability at which the view with the touched lines put back must read each digit
as the box cut does (_put_back_agrees): at or above it, no other digit can be more likely.
Measured: see _confirmed_restored."""
ARC_MM = 0.4
"""Width of the arc drawn in along a line between a loop's arms (_line_under_arms): a pen's
stroke, not the printed line's width, which no digit has."""
ARMS_REACH_MM = 1.2
"""How close to a box's top or bottom line two separate strokes of one box come for the
writing to be read as open or closed there only by guessing (_line_under_arms): a 9 whose
loop's top lay on the top line loses it with the line, and its arms end up to 1.0 mm below
(seed 17039 pages 118 and 199, read 4 in every view)."""


def _rejoin_crossings(ink: np.ndarray, cleaned: np.ndarray, reach: int) -> np.ndarray:
    """`cleaned` with the removed box-line pixels put back where a stroke crosses the line:
    ink within `reach` on both sides of it, above and below or left and right. A digit
    written over the box's edge otherwise loses the piece under the line, and both engines
    then agree on the broken shape (a 6 crossing the top line read as 0 by both)."""
    kept = cleaned > 0
    above, below = np.zeros_like(kept), np.zeros_like(kept)
    left, right = np.zeros_like(kept), np.zeros_like(kept)
    for step in range(1, reach + 1):
        above[step:] |= kept[:-step]
        below[:-step] |= kept[step:]
        left[:, step:] |= kept[:, :-step]
        right[:, :-step] |= kept[:, step:]
    crossing = (ink > 0) & ~kept & ((above & below) | (left & right))
    return np.where(kept | crossing, 255, 0).astype(np.uint8)


@dataclass(frozen=True)
class RowInk:
    """A row of `chars` boxes cropped with a margin: its ink, the ink with the box lines
    taken away (strokes crossing them rejoined), the paper lifted to white, and where the
    boxes stand in the crop (`margin` from its left and top, `cell` wide each, `height`
    high)."""

    ink: np.ndarray
    cleaned: np.ndarray
    lifted: np.ndarray
    margin: int
    cell: float
    height: int
    chars: int

    @property
    def removed(self) -> np.ndarray:
        """The ink taken away with the box lines."""
        return (self.ink > 0) & (self.cleaned == 0)

    def near_vertical_lines(self, reach: int) -> np.ndarray:
        """For each column of the crop, whether it lies within `reach` of where the form
        puts one of the row's vertical lines."""
        near = np.zeros(self.cleaned.shape[1], bool)
        for index in range(self.chars + 1):
            x = round(self.margin + index * self.cell)
            near[max(0, x - reach):x + reach] = True
        return near


def _along_lines(row: RowInk, dpi: int) -> bool:
    """Whether writing runs along one of the row's vertical lines for ALONG_LINE_MM (rows of
    its middle, where the top and bottom lines are not): a digit written on the line between
    two boxes loses the stroke that lies on the line when the lines are taken away, and both
    recognisers then read the same wrong digit (a 6 whose stem lay on the line read as 5)."""
    removed = row.removed
    top = row.margin + round(0.15 * row.height)
    bottom = row.margin + round(0.85 * row.height)
    reach = round(mm_to_px(LINE_SEARCH_MM, dpi))
    writing = row.cleaned[top:bottom] > 0
    for index in range(row.chars + 1):
        x = round(row.margin + index * row.cell)
        low = max(0, x - reach)
        columns = np.flatnonzero(removed[top:bottom, low:x + reach].mean(axis=0) > 0.6)
        if not columns.size:
            continue
        left, right = low + columns[0], low + columns[-1]
        beside = (writing[:, max(0, left - TOUCH_PX):left].any(axis=1)
                  | writing[:, right + 1:right + 1 + TOUCH_PX].any(axis=1))
        if np.count_nonzero(beside) >= mm_to_px(ALONG_LINE_MM, dpi):
            return True
    return False


def _edge_writing(row: RowInk, dpi: int) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
    """For the row's top and bottom line where it is found: its first and last pixel rows,
    and the columns (away from the vertical lines) where writing touches it from above and
    from below (TOUCH_PX)."""
    removed = row.removed
    writing = row.cleaned > 0
    reach = round(mm_to_px(LINE_SEARCH_MM, dpi))
    apart = ~row.near_vertical_lines(reach)
    for y in (row.margin, row.margin + row.height):
        low = max(0, y - reach)
        rows = np.flatnonzero(removed[low:y + reach].mean(axis=1) > 0.6)
        if not rows.size:
            continue
        top, bottom = low + rows[0], low + rows[-1]
        above = writing[max(0, top - TOUCH_PX):top].any(axis=0) & apart
        below = writing[bottom + 1:bottom + 1 + TOUCH_PX].any(axis=0) & apart
        yield top, bottom, above, below


def _across(above: np.ndarray, below: np.ndarray, dpi: int) -> bool:
    """Whether writing touches a line from above and from below for ACROSS_EDGE_MM each."""
    return bool(min(np.count_nonzero(above), np.count_nonzero(below))
                >= mm_to_px(ACROSS_EDGE_MM, dpi))


def _along_edges(row: RowInk, dpi: int) -> bool:
    """Whether writing lies along the row's top or bottom line: writing touches the line
    from above and from below for ACROSS_EDGE_MM each (columns away from the vertical lines,
    which _along_lines looks at). A stroke drawn on the line is taken away with it, and both
    recognisers then read what is left (a 2 whose base lay on the bottom line read as 1)."""
    return any(_across(above, below, dpi) for _, _, above, below in _edge_writing(row, dpi))


Glyph = tuple[np.ndarray, np.ndarray]
"""A digit's ink (box lines removed, trimmed to its extent) and the same digit as scanned
(paper lifted to white, all but its own strokes white: ocr.ink.as_seen), which PP-OCR reads."""


@dataclass(frozen=True)
class RowGlyphs:
    """What a row of boxes holds, cut two ways.

    `glyphs` are the ink of each non-empty box, cut where the box ends. `along` says that
    writing lies along one of the boxes' lines (_along_lines, _along_edges): a stroke on the
    line may have gone with it, in both cuts (read_digits then reads the writing with the
    line stretches it touches put back: _restored_glyphs). `clipped` says that a glyph
    reaches the edge of its box's crop: it is cut there, the rest of it under the line or in
    the next box, and both recognisers read the same clipped shape (an 8 written over the
    row's last line read as 1, a 6 over the line between two boxes as 1). `whole` is the
    row's writing cut where it stands instead (_whole_glyphs): one glyph per written digit,
    none cut by a box, or None when the writing does not part into one glyph per box inside
    the row's crop."""

    glyphs: list[Glyph]
    along: bool
    clipped: bool
    whole: list[Glyph] | None
    row_ink: RowInk
    """The row's crop they were cut from, for the cut with the lines put back."""


def _whole_glyphs(cleaned: np.ndarray, lifted: np.ndarray, chars: int) -> list[Glyph] | None:
    """The row's writing parted where it stands: its pieces (connected ink) grouped by the
    columns they cover, so that a digit written over a box's line stays whole and a digit
    of two strokes (a 4, a 5 with its flag apart) stays one. None unless that gives exactly
    `chars` glyphs of MIN_GLYPH_PX each, none reaching the crop's left or right end (where
    the rest of it is outside the view)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(cleaned, connectivity=8)
    spans: list[tuple[int, int, list[int]]] = []
    for label in sorted(range(1, count), key=lambda index: stats[index, cv2.CC_STAT_LEFT]):
        left = int(stats[label, cv2.CC_STAT_LEFT])
        right = left + int(stats[label, cv2.CC_STAT_WIDTH])
        if spans and left < spans[-1][1]:
            start, end, members = spans[-1]
            spans[-1] = (start, max(end, right), [*members, label])
        else:
            spans.append((left, right, [label]))
    groups = [span for span in spans
              if sum(int(stats[label, cv2.CC_STAT_AREA]) for label in span[2]) >= MIN_GLYPH_PX]
    if len(groups) != chars or any(start == 0 or end >= cleaned.shape[1]
                                   for start, end, _ in groups):
        return None
    glyphs = []
    for start, end, members in groups:
        ink = np.where(np.isin(labels[:, start:end], members), 255, 0).astype(np.uint8)
        x, y, w, h = cv2.boundingRect(cv2.findNonZero(ink))
        glyph = ink[y:y + h, x:x + w]
        glyphs.append((glyph, as_seen(lifted[y:y + h, start + x:start + x + w], glyph)))
    return glyphs


def _row_ink(gray: np.ndarray, box_mm: tuple[float, float, float, float], chars: int,
             dpi: int, underline: bool = False) -> RowInk:
    box = box_to_px(box_mm, dpi)
    margin = round(mm_to_px(UNDERLINE_MARGIN_MM if underline else CROP_MARGIN_MM, dpi))
    row = crop(gray, box, margin)
    ink = ink_mask(row)
    cell = box[2] / chars
    vertical = round(box[3] * 0.7)
    if underline:
        _untick(ink, margin, cell, box[3], chars, dpi)
        vertical = ink.shape[0] + 1  # no upright line to take away; a tall 1 is as long
    cleaned = _rejoin_crossings(ink, remove_lines(ink, min_h_px=round(cell * 0.75),
                                                  min_v_px=vertical),
                                round(mm_to_px(CROSSING_MM, dpi)))
    return RowInk(ink, cleaned, lift_paper(row), margin, cell, box[3], chars)


def _untick(ink: np.ndarray, margin: int, cell: float, height: int, chars: int, dpi: int
            ) -> None:
    """Take an underlined row's ticks out of its `ink`: too short to go as a box's lines do
    (remove_lines), they would otherwise be read as the foot of a digit. Writing that
    crosses a tick loses as much of it; the rest of the row is untouched."""
    above, beside = (round(mm_to_px(reach, dpi)) for reach in TICK_ZONE_MM)
    bottom = margin + height
    for index in range(1, chars):
        x = round(margin + index * cell)
        ink[max(0, bottom - above):bottom, max(0, x - beside):x + beside + 1] = 0


def _cell_glyphs(gray: np.ndarray, box_mm: tuple[float, float, float, float], chars: int,
                 dpi: int, underline: bool = False) -> RowGlyphs:
    """The glyphs of a row of boxes, cut by box and where they stand (RowGlyphs). Measured
    on 1,200 generated pages in hands the readers were not tuned on: 1.3 % of sure digit and
    date fields have a glyph on or across a line, and 4 of the 13 that were sure and
    wrong."""
    row = _row_ink(gray, box_mm, chars, dpi, underline)
    margin, cell, cleaned = row.margin, row.cell, row.cleaned
    along = _along_lines(row, dpi) or _along_edges(row, dpi)
    clipped = False
    glyphs = []
    for index in range(chars):
        left = max(0, round(margin + index * cell))
        part = cleaned[:, left:round(margin + (index + 1) * cell)]
        points = cv2.findNonZero(part)
        if points is None or len(points) < MIN_GLYPH_PX:
            continue
        x, y, w, h = cv2.boundingRect(points)
        clipped |= x == 0 or x + w >= part.shape[1]
        glyph = part[y:y + h, x:x + w]
        seen = row.lifted[:, left:round(margin + (index + 1) * cell)][y:y + h, x:x + w]
        glyphs.append((glyph, as_seen(seen, glyph)))
    whole = _whole_glyphs(cleaned, row.lifted, chars) if clipped and not along else None
    return RowGlyphs(glyphs, along, clipped, whole, row)


def _spread(seed: np.ndarray, within: np.ndarray, kernel: np.ndarray, steps: int
            ) -> np.ndarray:
    """`seed` grown `steps` times by `kernel`, never beyond `within`: across a line's width
    from where writing touches it, not along the line."""
    grown = seed
    for _ in range(steps):
        grown = (cv2.dilate(grown.astype(np.uint8), kernel) > 0) & within
    return grown


def _touched_lines_put_back(row: RowInk, dpi: int) -> np.ndarray:
    """The row's writing with the removed box lines put back wherever writing touches them:
    across a vertical line in each pixel row where writing lies beside it (TOUCH_PX), across
    the top or bottom line in each column where writing lies above or below it, on a line
    writing lies along (_across). A stroke drawn on a line is back, with the line's width.

    A top or bottom line that writing only sits on or reaches up to, as most digits do, is
    not put back: a stretch of it as dark as print and as wide as the line under a light 0
    is a blot, and PP-OCR read such views right but unsurely (0.00-0.85), which held back
    dates whose box cut was read surely and confirmed. Measured on development seeds
    17045-17048 (1,200 pages, registered at 300 dpi): 15 vaccination dates more are sure,
    all right, and 5 right ones less (their view without the line reads otherwise or less
    surely). A 2 whose base lay on the bottom line has writing on both sides of it and is
    put back as before (tests/unit/ocr/test_marks.py)."""
    removed = row.removed
    writing = row.cleaned > 0
    reach = round(mm_to_px(LINE_SEARCH_MM, dpi))
    vertical = row.near_vertical_lines(reach)
    horizontal = np.zeros(writing.shape[0], bool)
    for top, bottom, above, below in _edge_writing(row, dpi):
        if _across(above, below, dpi):
            horizontal[max(0, top - reach):bottom + reach + 1] = True
    on_vertical = removed & vertical[None, :]
    on_horizontal = removed & horizontal[:, None] & ~vertical[None, :]
    sideways, upright = np.ones((1, 3), np.uint8), np.ones((3, 1), np.uint8)
    beside = cv2.dilate(writing.astype(np.uint8), sideways, iterations=TOUCH_PX) > 0
    over = cv2.dilate(writing.astype(np.uint8), upright, iterations=TOUCH_PX) > 0
    back = (_spread(on_vertical & beside, on_vertical, sideways, reach)
            | _spread(on_horizontal & over, on_horizontal, upright, reach))
    return np.where(writing | back, 255, 0).astype(np.uint8)


def _within_boxes(mask: np.ndarray, left: float, right: float) -> np.ndarray:
    """`mask` without the pieces whose middle lies outside the columns `left` to `right`:
    the crop's margin holds what the form prints beside the row (年, 月), not writing."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    middles = stats[:, cv2.CC_STAT_LEFT] + stats[:, cv2.CC_STAT_WIDTH] / 2
    keep = (middles >= left) & (middles <= right)
    keep[0] = False
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def _restored(row: RowInk, dpi: int) -> np.ndarray:
    """The row's writing inside its boxes with the line stretches it touches put back
    (_touched_lines_put_back)."""
    return _within_boxes(_touched_lines_put_back(row, dpi), row.margin,
                         row.margin + row.chars * row.cell)


def _restored_glyphs(row: RowInk, dpi: int) -> list[Glyph] | None:
    """The row's writing with the line stretches it touches put back (_restored), cut where
    it stands (_whole_glyphs); None when it does not part into one glyph per box."""
    return _whole_glyphs(_restored(row, dpi), row.lifted, row.chars)


def _line_under_arms(row: RowInk, dpi: int) -> np.ndarray:
    """Where a loop's arc may have lain on a box's top or bottom line: the stretch of the line
    between two arms of one box's writing that come up to it, or down to it, in two places
    apart (within ARMS_REACH_MM), and the gap from each arm's tip to the line. A 9 whose
    loop's top lay on the top line loses the arc with the line, and the line's removal, or
    a faint stroke, takes the arms' last millimetre; the open top of a 4 only comes near
    the line. No view tells one from the other, since the line is where the arc would be;
    this drawn in closes the loop (_read_restored). One stroke meeting the line (a 7's bar,
    a 2's base) has no such stretch. All False when no box has one.

    A loop shorter than ARMS_REACH_MM joins its arms within the reach, so the arms are
    also looked for where the writing touches the line (TOUCH_PX): a small 9 whose loop's
    top lay on the top line read 4 in every view and went for the ledger (2024-01-14 for
    2024-01-19, seed 900625 page 408, run as a hold-out). On the 2,359 vaccination dates
    of development seeds 17047-17049, 17051 and 17052 that keeps 3 right dates unsure (a 0
    drawn over the top line among them), and changes no other."""
    reach = round(mm_to_px(LINE_SEARCH_MM, dpi))
    depth = round(mm_to_px(ARMS_REACH_MM, dpi))
    stroke = max(1, round(mm_to_px(ARC_MM, dpi)))
    right = round(row.margin + row.chars * row.cell)
    lines = np.flatnonzero(_edge_lines(row.ink[:, row.margin:right],
                                       (row.margin, row.margin + row.height), reach))
    writing = row.cleaned > 0
    apart = ~row.near_vertical_lines(reach)
    middle = row.margin + row.height / 2
    under = np.zeros(writing.shape, bool)
    for line in (lines[lines < middle], lines[lines >= middle]):
        if not line.size:
            continue
        downward = line[0] < middle
        first = line.max() + 1 if downward else max(0, line.min() - depth)
        band = writing[first:first + depth] if downward else writing[first:line.min()]
        near = (band.any(axis=0) & apart).astype(np.uint8)
        touching = band[:TOUCH_PX] if downward else band[-TOUCH_PX:]
        at_line = (touching.any(axis=0) & apart).astype(np.uint8)
        for index in range(row.chars):
            left = round(row.margin + index * row.cell)
            end = round(row.margin + (index + 1) * row.cell)
            count, arms = cv2.connectedComponents(near[left:end][:, None])
            if count <= 2:  # a loop shorter than the reach: apart only next to the line
                count, arms = cv2.connectedComponents(at_line[left:end][:, None])
            if count <= 2:
                continue
            columns = np.flatnonzero(arms[:, 0]) + left
            arc = line[-stroke:] if downward else line[:stroke]  # the line's inner rows
            under[arc.min():arc.max() + 1, columns.min():columns.max() + 1] = True
            for arm in range(1, count):
                at = np.flatnonzero(arms[:, 0] == arm) + left
                rows = np.flatnonzero(band[:, at].any(axis=1))
                if downward:
                    under[arc.min():first + rows.min(), at] = True
                else:
                    under[first + rows.max() + 1:arc.max() + 1, at] = True
    return under


def _edge_lines(ink: np.ndarray, edges: tuple[int, int], reach: int) -> np.ndarray:
    """For each pixel row of `ink` (a row of boxes), whether it belongs to the box's top or
    bottom line: the unbroken run of rows inked across EDGE_LINE_SHARE of the width that
    starts within `reach` of where the form puts the line (`edges`). A page registered a
    little off with a bold print has its line reach past `reach` into the boxes, where it is
    no strike."""
    inked = (ink > 0).mean(axis=1) > EDGE_LINE_SHARE
    _, runs = cv2.connectedComponents(inked.astype(np.uint8)[:, None])
    near = np.zeros_like(inked)
    for edge in edges:
        near[max(0, edge - reach):edge + reach] = True
    return np.isin(runs[:, 0], runs[near & inked, 0])


def _struck(row: RowInk, dpi: int) -> bool:
    """Whether a line runs through the middle of the row's boxes (STRIKE_CELLS): a value
    struck out, the way a clinic corrects one (two lines through it, the new value written
    beside). Taking the box lines away takes such a line too, and would leave the struck
    digits to be read as if they stood."""
    reach = round(mm_to_px(LINE_SEARCH_MM, dpi))
    inside = row.ink[:, row.margin:round(row.margin + row.chars * row.cell)].copy()
    inside[_edge_lines(inside, (row.margin, row.margin + row.height), reach)] = 0
    band = inside[row.margin + reach:row.margin + row.height - reach]
    run = round(min(STRIKE_CELLS, STRIKE_SHARE * row.chars) * row.cell)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (run, 1))
    return bool(np.any(cv2.morphologyEx(band, cv2.MORPH_OPEN, kernel,
                                        borderType=cv2.BORDER_CONSTANT, borderValue=0)))


def _smudged(gray: np.ndarray, box_mm: tuple[float, float, float, float], dpi: int) -> bool:
    inner = ink_mask(crop(gray, box_to_px(box_mm, dpi), -round(mm_to_px(BOX_INSET_MM, dpi))))
    return float(np.count_nonzero(inner)) / max(inner.size, 1) > SMUDGE_INK


def _glyph_gap(height: int) -> int:
    """The space _compact_strip sets between glyphs of a strip `height` pixels high."""
    return max(2, round(height * GLYPH_GAP))


def _compact_strip(glyphs: list[np.ndarray], paper: int = 0, even: bool = False
                   ) -> np.ndarray:
    """The glyphs set side by side on a common baseline at ordinary letter spacing, on
    `paper` (0 for ink masks, 255 for glyphs as scanned); `even`: each in the middle of a
    cell as wide as the widest, as a printer sets digits.

    Digits written one per box sit far apart and wander up and down; Tesseract's line model
    reads them far better packed like printed text.
    """
    height = max(glyph.shape[0] for glyph in glyphs)
    widest = max(glyph.shape[1] for glyph in glyphs) if even else 0
    gap = _glyph_gap(height)
    placed = []
    for glyph in glyphs:
        top = height - glyph.shape[0]
        left = (widest - glyph.shape[1]) // 2 if even else 0
        right = widest - glyph.shape[1] - left if even else 0
        placed.append(cv2.copyMakeBorder(glyph, top, 0, left, gap + right, cv2.BORDER_CONSTANT,
                                         value=paper))
    return np.hstack(placed)


def _as_iso_date(digits: str) -> str | None:
    """YYYY-MM-DD for 8 digits forming a real date from FIRST_YEAR to tomorrow: a year such
    as 2924 is a misread 2024, however sure Tesseract is. Tomorrow, because the machine's
    day may still be the city's yesterday (a UTC server before 09:00 in Japan); the ledger
    holds a date after the city's today as a problem (ledger.checks.validation)."""
    try:
        day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    latest = date.today() + timedelta(days=1)
    return day.isoformat() if FIRST_YEAR <= day.year and day <= latest else None


def _read_strip(strip: np.ndarray, psm: int = WORD_MODE) -> tuple[str, float]:
    """Tesseract's digits of a strip and the confidence of the least sure one."""
    words = read_line(for_tesseract(strip), "eng", DIGITS, psm=psm)
    return "".join(ch for word in words for ch in word.text if ch in DIGITS), lowest_symbol(words)


def _renderings(strip: np.ndarray, single: bool, inks: list[np.ndarray] | None = None
                ) -> Iterator[tuple[str, float]]:
    """Tesseract's readings of the binarised strip in order of measured accuracy, each made
    only when asked for. Their mistakes differ: a handwritten 5 read as "50" by word mode is
    right in line mode, and a lone digit that character mode misses is read as a word at its
    own size. Never the strip as scanned, which PP-OCR reads: Tesseract reading that image
    too agreed with PP-OCR's misreadings (2025-06-15 where 06-19 is written, 358 for 368 on
    reserved pages) that its binary renderings did not give.

    Last, where the glyphs' `inks` are given, the strip set even (_compact_strip), made only
    when the others failed: packed at letter spacing, two thin 1s side by side read as one
    (2025-09-11 read 2025091 by all three renderings and by ddddocr, seed 17049 page 66).
    Measured on the 1,602 vaccination dates of development seeds 17045-17049 (registered
    at 300 dpi): 6 more are sure, all right; one right one less, whose even strip read
    other digits surely (a contradiction, see _confirmed); no wrong date became sure."""
    if single:
        yield _read_strip(strip, CHAR_MODE)
        yield _read_strip(strip, WORD_MODE)
        yield _read_strip(scale_to_height(strip, CHECK_HEIGHT_PX), WORD_MODE)
        return
    yield _read_strip(strip, WORD_MODE)
    yield _read_strip(scale_to_height(strip, CHECK_HEIGHT_PX), WORD_MODE)
    yield _read_strip(strip, LINE_MODE)
    if inks is not None:
        yield _read_strip(_compact_strip(inks, even=True), WORD_MODE)


def _confirmed(reading: ppocr.Reading, glyphs: list[Glyph], seen: np.ndarray, single: bool,
               known: str = "") -> float | None:
    """The confidence of PP-OCR's `reading` of a strip when the glyphs, packed into a strip,
    confirm it: one of Tesseract's renderings gives the same digits, or else ddddocr reading
    `seen`, the strip PP-OCR read, does (ocr.dddd), each engine above its floor. None when
    neither does.

    ddddocr reads the glyphs as scanned, not a binary rendering: on the fields DDDD_FLOORS
    was measured on, it agreed with one of PP-OCR's misreadings at 0.93 on the binary strip
    (1210937654 for 1210987654), and at 0.66 on the strip as scanned.

    Digits the form knows (`known`, a date's century) need no checker: where PP-OCR's reading
    begins with them and no checker confirms the whole strip, the rest of the glyphs is
    checked alone. The century's glyphs are where Tesseract slips most on a clear date (20
    read 19 or 29). Unlike the century's second reading (_read_after_century), PP-OCR's
    reading and the view with the lines put back stay those of the whole strip, so it
    serves a date with writing along a line too: the 2013 for 2023 of seed 17031 page 72
    is still kept out by that view (tests/unit/ocr/test_marks.py). It is only for slips in
    the century: where a rendering of the whole strip reads as many digits, surely, and
    differs from PP-OCR's elsewhere, the rest is not checked alone (a brush 9 with a small
    loop read 2023-12-24 for 2023-12-29 by PP-OCR and by Tesseract on the rest, 20231229 by
    Tesseract on the whole strip: seed 900614 page 336, which went to the ledger wrong). On
    development seeds 17039-17044 that keeps 7 right dates of about 1,700 unsure, and no
    wrong one was sure there."""
    inks = [ink for ink, _ in glyphs]
    strip = _compact_strip(inks)
    contradicted = False
    for digits, lowest in _renderings(strip, single, inks):
        if digits == reading.text and lowest >= FLOORS.checker:
            return cross_checked(True, lowest, reading.lowest, FLOORS)
        contradicted |= (len(digits) == len(reading.text) and lowest >= FLOORS.checker
                         and digits[len(known):] != reading.text[len(known):])
    digits, lowest = dddd.read_digits(seen)
    if digits == reading.text and lowest >= DDDD_FLOORS.checker:
        return cross_checked(True, lowest, reading.lowest, DDDD_FLOORS)
    if (known and reading.text.startswith(known) and len(glyphs) > len(known)
            and not contradicted):
        rest = glyphs[len(known):]
        return _confirmed(ppocr.Reading(reading.chars[len(known):]), rest, _as_seen_strip(rest),
                          single=False)
    return None


def _as_seen_strip(glyphs: list[Glyph], even: bool = False) -> np.ndarray:
    """The glyphs as scanned, packed into the strip PP-OCR reads (set in even cells with
    `even`: _compact_strip)."""
    return on_paper(_compact_strip([seen for _, seen in glyphs], paper=255, even=even))


def _read_alike(reading: ppocr.Reading, strip: np.ndarray, known: str = "",
                floor: float = FLOORS.ppocr) -> ppocr.Reading | None:
    """PP-OCR's reading of the `strip` of another cut of the same writing, when it gives the
    same digits as `reading` at `floor` or above: the less sure of the two. None when it
    does not. The digits the form knows (`known`, a date's century) are left out of both:
    they are the same on every date, and this cut's reading of them is no evidence of the
    rest (a century's 0 read at 0.88 held back 2022-09-06, read right at 1.00 and confirmed
    by Tesseract and ddddocr, seed 17049 page 271)."""
    again = ppocr.read_line(strip, DIGITS)
    skip = len(known)
    if len(again.text) != len(reading.text) or again.text[skip:] != reading.text[skip:]:
        return None
    rest = [ppocr.Reading(read.chars[skip:]) for read in (reading, again)]
    if rest[1].lowest < floor:
        return None
    return min(rest, key=lambda read: read.lowest)


def _confirmed_whole(reading: ppocr.Reading, cut: list[RowGlyphs], single: bool,
                     known: str = "") -> float | None:
    """The confidence of PP-OCR's `reading` of the box-cut strip when a box clipped a glyph
    and the writing cut where it stands (RowGlyphs.whole) reads the same: PP-OCR's read of
    that strip gives the same digits above its floor, and one of Tesseract's renderings of it
    too. A glyph clipped into another digit's shape reads differently whole (the 8 over the
    last line is an 8 again), so the two cuts agree only where the clipping lost nothing
    that mattered."""
    if any(row.clipped and row.whole is None for row in cut):
        return None
    glyphs = [glyph for row in cut for glyph in (row.whole if row.clipped and row.whole
                                                 else row.glyphs)]
    strip = _as_seen_strip(glyphs)
    alike = _read_alike(reading, strip)
    return None if alike is None else _confirmed(alike, glyphs, strip, single, known)


def _row_as_glyph(row: RowInk, dpi: int) -> Glyph | None:
    """The row's writing with the line stretches it touches put back (_restored), as one
    glyph: all of it, wherever in the row it stands; None when the row is empty."""
    restored = _restored(row, dpi)
    points = cv2.findNonZero(restored)
    if points is None:
        return None
    x, y, w, h = cv2.boundingRect(points)
    ink = restored[y:y + h, x:x + w]
    return ink, as_seen(row.lifted[y:y + h, x:x + w], ink)


def _restored_line(row: RowInk, dpi: int) -> np.ndarray:
    """The row's writing with the line stretches it touches put back, as scanned, trimmed
    and on paper (_row_as_glyph): read as one line where it does not part into one glyph
    per box (two digits that both touch the line between them are joined by it)."""
    glyph = _row_as_glyph(row, dpi)
    return on_paper(np.full((1, 1), 255, np.uint8) if glyph is None else glyph[1])


def _put_back_agrees(reading: ppocr.Reading, cut: list[RowGlyphs], dpi: int, known: str = ""
                     ) -> bool:
    """Whether PP-OCR's reads of the field with the line stretches its writing touches put
    back give `reading`'s digits, each at PUT_BACK_FLOOR or above.

    Every row is put back, not only those with writing along a line: a 2 whose stem lay on
    the line between two boxes of a year that the rule did not find (2013 for 2023, seed
    17031 page 72; the writing along a line was the month's) is a 2 again only there. The
    rows that part into one glyph per box are read together, as the reading was; a row that
    does not (two digits both touching the line between them are joined by it) is read
    alone as a line, and must give its own digits. The century's digits (`known`) are not
    compared when the strip begins with them (_read_alike)."""
    start, skip = 0, ""
    chars: list[ppocr.Char] = []
    glyphs: list[Glyph] = []
    for part in cut:
        own = reading.chars[start:start + part.row_ink.chars]
        restored = _restored_glyphs(part.row_ink, dpi)
        if restored is not None:
            skip = known if start == 0 else skip  # the strip begins with the century
            start += part.row_ink.chars
            chars.extend(own)
            glyphs.extend(restored)
            continue
        start += part.row_ink.chars
        line = ppocr.read_line(_restored_line(part.row_ink, dpi), DIGITS)
        if line.text != "".join(char.text for char in own) or line.lowest < PUT_BACK_FLOOR:
            return False
    return not glyphs or _read_alike(ppocr.Reading(tuple(chars)), _as_seen_strip(glyphs), skip,
                                     PUT_BACK_FLOOR) is not None


def _confirmed_restored(reading: ppocr.Reading, found: list[Glyph], seen: np.ndarray,
                        cut: list[RowGlyphs], dpi: int, single: bool, known: str = ""
                        ) -> float | None:
    """The confidence of PP-OCR's `reading` of a field with writing along a box's line when
    the reading does not hang on the line: the writing with the line stretches it touches
    put back reads the same to PP-OCR (_put_back_agrees), and the box-cut strip is confirmed
    as any other (_confirmed). A stroke that lay on the line is back in that view and
    changes the digit (a 9 whose stem lay on the line between two boxes reads 1 without it,
    9 with it); a line that writing merely touches adds a stroke that changes none.
    Measured on 1,420 development pages (seeds 17020, 17029, 17031, 17032): of the 161
    fields with writing along a line whose box-cut strip is confirmed, 120 read the same
    this way, all right; the 7 wrong ones all read otherwise or did not part into one glyph
    per box.

    A row whose writing did not part into one glyph per box with the line put back once
    held the field back whatever it read (_put_back_agrees now reads it as a line).
    Measured with the century's checking (_confirmed) on development seeds 17034 and 17035
    (600 pages): 10 vaccination dates more are sure, all right, and none less.

    The put-back view must give the same digits, not give them surely (PUT_BACK_FLOOR): the
    line put back beside a digit is a stroke the writer did not draw, and PP-OCR reads the
    digit less surely with it (a month's 0 at 0.80 beside 1.00 on the box cut, seed 17051
    page 9), though it reads no other. The box cut's reading must still be sure and
    confirmed. Measured on the 4,286 vaccination dates of development seeds 17029, 17031,
    17032, 17046-17049, 17051 and 17052 (registered at 300 dpi as the worker does): 17 more
    are sure, all right; none fewer; the same 9 wrong ones sure (digits whose stroke lay on
    a line, which every view reads as another: an 8 read 3, a 6 read 5)."""
    if not _put_back_agrees(reading, cut, dpi, known):
        return None
    return _confirmed(reading, found, seen, single, known)


def _read_after_century(cut: list[RowGlyphs], century: str) -> tuple[str, float] | None:
    """The date read without the year's first two digits, when that reading is confirmed:
    they are `century` on every date the field can hold (a vaccination is given in the
    2000s), so reading them can only go wrong, and they are the digits PP-OCR misreads most
    (20 read 21, 90 or 210; a 20 squeezed into one box). Only a year written in all four
    boxes is completed: a year of two digits, or one box left empty, stays for a person.
    Nor is a date with writing along a line: the view with the line put back, the check of
    such writing, read without the century's digits at 0.96 a 2 whose stem lay on a line as
    1 (2013 for 2023, seed 17031 page 72), which with them it read at 0.81; and the rules
    that find such writing are measured on whole rows (cutting the century off the row, a 2
    drawn over the bottom line no longer had enough writing on both sides of it: 2013 again,
    seed 17029 page 208). Measured on the 1,400 vaccination dates of development seeds
    17029, 17031, 17032 and 17033: of the 200 the whole strip did not confirm, 11 are
    confirmed this way, all right; with writing along a line allowed, 17 on seeds 17029 and
    17033 alone, but the two 2013s above were among them. Read this way first, 40
    of the 520 dates of seeds 17029 and 17033 the whole strip confirmed were not (the century
    is context PP-OCR reads the rest with), so this is the second reading, not the first."""
    year, skip = cut[0], len(century)
    if len(year.glyphs) != year.row_ink.chars or any(row.along for row in cut):
        return None
    rest = [replace(year, glyphs=year.glyphs[skip:], whole=year.whole and year.whole[skip:]),
            *cut[1:]]
    found = [glyph for row in rest for glyph in row.glyphs]
    if len(found) != sum(row.row_ink.chars for row in cut) - skip:
        return None
    seen = _as_seen_strip(found)
    reading = ppocr.read_line(seen, DIGITS)
    value = _as_iso_date(century + reading.text)
    if value is None or len(reading.text) != len(found) or reading.lowest < FLOORS.ppocr:
        return None
    confidence = (_confirmed_whole(reading, rest, False) if any(row.clipped for row in rest)
                  else _confirmed(reading, found, seen, False))
    return None if confidence is None else (value, confidence)


def _closed_glyphs(row: RowInk, restored: np.ndarray, under: np.ndarray) -> list[Glyph] | None:
    """The row's writing with the touched line stretches put back (`restored`, _restored)
    and the loops closed where their arms meet a line (`under`, _line_under_arms), drawn as
    dark as the writing and with the rest of the line out of sight, cut where it stands."""
    writing = row.lifted[row.cleaned > 0]
    dark = int(np.median(writing)) if writing.size else 0
    lifted = np.where(under, np.minimum(row.lifted, dark),
                      np.where(row.removed & ~restored, 255, row.lifted)).astype(np.uint8)
    return _whole_glyphs(np.where(under | restored, 255, 0).astype(np.uint8), lifted, row.chars)


def _read_restored(cut: list[RowGlyphs], dpi: int, century: str) -> tuple[str, float] | None:
    """The date as PP-OCR reads the writing with the line stretches it touches put back, cut
    where it stands (_restored_glyphs), when that is a real date confirmed as any strip is
    (_confirmed): the last reading of a date the box cut leaves unsure. A digit drawn on or
    over a line loses the stroke under it to the box cut and misreads there, often surely,
    so the box cut's reading cannot be required to agree.

    Like every date read surely, it passes only if the view with a loop closed along a line
    reads it too (_closed_otherwise): this view read a 9 whose loop lay on the top line as 4
    (2021-03-04 for 2021-03-09 at 0.97, seed 17039 page 199; 2025-04-28 for 2025-09-28 at
    0.995, page 118). Measured on development seeds 17039-17044 (1,800 pages, registered at
    300 dpi as the worker does): of the 240 vaccination dates the earlier readings left
    unsure, 49 are sure this way, all right; with no look at the arms, 51, and those two
    wrong."""
    glyphs: list[Glyph] = []
    for part in cut:
        restored = _restored_glyphs(part.row_ink, dpi)
        if restored is None:
            return None
        glyphs.extend(restored)
    seen = _as_seen_strip(glyphs)
    reading = ppocr.read_line(seen, DIGITS)
    value = _as_iso_date(reading.text)
    if value is None or len(reading.text) != len(glyphs) or reading.lowest < FLOORS.ppocr:
        return None
    confidence = _confirmed(reading, glyphs, seen, False, century)
    return None if confidence is None else (value, confidence)


def _per_row(reading: ppocr.Reading, glyphs: list[Glyph]) -> list[int]:
    """How many of `reading`'s characters stand on each of the `glyphs` of the strip it was
    read from (_as_seen_strip): each character goes to the glyph its centre lies beside."""
    gap = _glyph_gap(max(ink.shape[0] for ink, _ in glyphs))
    ends, right = [], PAD_PX
    for ink, _ in glyphs:
        right += ink.shape[1] + gap
        ends.append(right - gap / 2)
    counts = [0] * len(glyphs)
    for char in reading.chars:
        counts[min(bisect_left(ends, char.x), len(glyphs) - 1)] += 1
    return counts


def _read_row_lines(cut: list[RowGlyphs], dpi: int, century: str) -> tuple[str, float] | None:
    """The date as PP-OCR reads each row's writing whole, the touched lines put back, not cut
    into boxes (_row_as_glyph): the last reading of a date, for writing that stands where
    its boxes do not (a 23 written into one box of the year, a 0 over the line between the
    day's boxes), which no cut into one glyph per box reads. It passes only as a real date
    whose rows each give as many digits as they have boxes (_per_row), PP-OCR above its
    floor and confirmed as any strip is (_confirmed): a row read whole is free to give too
    few digits, surely and confirmed (2025057, the day's 2 lost, read at 1.00 and confirmed:
    2025-05-07 for 2025-05-27, seed 17029 page 229; 12 such of 357 dates left unsure on the
    seeds below), and only the count of each row's boxes holds that out.
    Measured on the dates of _confirmed_restored's seeds: 21 more are sure, all right, and
    no wrong one."""
    glyphs = [_row_as_glyph(part.row_ink, dpi) for part in cut]
    rows = [glyph for glyph in glyphs if glyph is not None]
    if len(rows) != len(cut):
        return None
    seen = _as_seen_strip(rows)
    reading = ppocr.read_line(seen, DIGITS)
    if reading.text.startswith(century):
        reading = _century_known(reading, century)
    value = _as_iso_date(reading.text)
    if (value is None or reading.lowest < FLOORS.ppocr
            or _per_row(reading, rows) != [part.row_ink.chars for part in cut]):
        return None
    confidence = _confirmed(reading, rows, seen, False, century)
    return None if confidence is None else (value, confidence)


def _rearranged(cut: list[RowGlyphs], found: list[Glyph]
                ) -> Iterator[tuple[ppocr.Reading, np.ndarray]]:
    """PP-OCR's readings of the box cut's glyphs (`found`) set two other ways, each with the
    strip a checker is to read: evenly, each in the middle of a cell as wide as the widest, as
    a printer sets digits; then each row's strip read alone (when every row gives a digit per
    glyph) beside the strip of all the glyphs packed."""
    even = _as_seen_strip(found, even=True)
    yield ppocr.read_line(even, DIGITS), even
    rows = [ppocr.read_line(_as_seen_strip(part.glyphs), DIGITS) for part in cut]
    if all(len(read.text) == len(part.glyphs) for read, part in zip(rows, cut, strict=True)):
        yield (ppocr.Reading(tuple(char for read in rows for char in read.chars)),
               _as_seen_strip(found))


def _read_rearranged(cut: list[RowGlyphs], dpi: int, century: str) -> tuple[str, float] | None:
    """The date as PP-OCR reads the box cut's glyphs set otherwise than packed (_rearranged),
    the last reading of a date whose every box holds one glyph. PP-OCR reads a packed strip
    by its context, and doubts there a digit it reads surely set apart: the month's 7 of
    2025-07-30 at 0.68 packed, 0.95 set evenly and 0.99 row by row (seed 17047 page 412);
    the 6 of 2025-06-02 in a square hand at 0.81 packed, 0.96 set evenly (seed 17051 page
    228). Each reading passes as the first does: a real date, a digit per glyph, PP-OCR
    above its floor, confirmed (_confirmed), where a box clipped a glyph read alike cut where
    the writing stands (_confirmed_whole: a month's 0 written left of its place, cut by the
    box into a ")", read 11 for 01 set evenly and confirmed, seed 900623 page 497 on the
    underlined form; 2025-07-30 above, its clipped glyphs along box lines, waits since),
    and where writing lies along a line, read alike with the touched lines put back
    (_put_back_agrees). Measured on the 2,359 vaccination
    dates of development seeds 17047, 17048, 17049, 17051 and 17052 (registered at 300 dpi
    as the worker does): 8 more are sure, all right; none fewer; the same 6 sure and wrong
    (digits that lose a stroke with a line, as in _confirmed_restored)."""
    if any(len(part.glyphs) != part.row_ink.chars for part in cut):
        return None
    found = [glyph for part in cut for glyph in part.glyphs]
    clipped = any(part.clipped for part in cut)
    for reading, seen in _rearranged(cut, found):
        if reading.text.startswith(century):
            reading = _century_known(reading, century)
        value = _as_iso_date(reading.text)
        if (value is None or len(reading.text) != len(found) or reading.lowest < FLOORS.ppocr
                or (any(part.along for part in cut)
                    and not _put_back_agrees(reading, cut, dpi, century))):
            continue
        confidence = (_confirmed_whole(reading, cut, False, century) if clipped
                      else _confirmed(reading, found, seen, False, century))
        if confidence is not None:
            return value, confidence
    return None


def _closed_otherwise(digits: str, cut: list[RowGlyphs], dpi: int, known: str,
                      floor: float = 0.0) -> bool:
    """Whether a box's writing has two arms at its top or bottom line (_line_under_arms) and
    the view with the loop closed there (_closed_glyphs; the other rows with the lines their
    writing touches put back) reads otherwise than `digits`. Every view
    without it reads a 9 whose loop lay on the top line as 4, however sure, the box cut's
    too: seed 900617 page 108 went to the ledger with 2025-04-01 for 2025-09-01 (the box
    cut read at 1.00 and confirmed by Tesseract) while this stood only before the last
    reading of a date (_read_restored, which asks for PP-OCR's floor).

    Before the other readings (`floor` 0) the closed view must not read a digit otherwise
    at OTHERWISE_FLOOR or above: a digit it reads otherwise below that is a guess, not
    another reading. Asking for agreement at the floor there cost 9 right dates on
    development seeds 17047 and 17048 (600 pages), against 4 for agreement alone; the
    closed view reads such dates right but unsurely (0.83 and 0.89, seed 17046 pages 51
    and 200). Neither way made a wrong date sure or caught one there. The last reading
    asks for agreement at the floor (`floor`).

    The century's digits (`known`) are not compared: a loop closed on a 0 of the year reads
    as 9 (2022-12-10 read 29221210 at 0.41 there, seed 17049 page 143), and the century is
    the same on every date the field holds."""
    rows = [(part.row_ink, _line_under_arms(part.row_ink, dpi)) for part in cut]
    if not any(under.any() for _, under in rows):
        return False
    closed: list[Glyph] = []
    for row, under in rows:
        shut = (_closed_glyphs(row, _restored(row, dpi) > 0, under) if under.any()
                else _restored_glyphs(row, dpi))
        if shut is None:
            return True
        closed.extend(shut)
    again = ppocr.read_line(_as_seen_strip(closed), DIGITS)
    if len(again.text) != len(digits):
        return True
    rest = again.chars[len(known):]
    if not floor:
        return any(char.text != digit and char.confidence >= OTHERWISE_FLOOR
                   for char, digit in zip(rest, digits[len(known):], strict=True))
    return ("".join(char.text for char in rest) != digits[len(known):]
            or min((char.confidence for char in rest), default=1.0) < floor)


def _century_known(reading: ppocr.Reading, known: str) -> ppocr.Reading:
    """`reading` with the digits the form knows (a date's century), read as them, sure:
    they are the same on every date the field holds, and how surely PP-OCR reads their
    glyphs is no evidence of the rest. A 0 of the century whose top lay on the box's line
    read as U, held to digits at 0.00 (2025-05-30, seed 17049 page 302), and the date waited
    for a person though every other digit was sure and Tesseract agreed with them all. The
    digits must still be read as the century, and the whole strip, or the rest, confirmed
    as before (_confirmed), so a misread century that shifts the digits still fails.
    Measured on the 1,602 vaccination dates of development seeds 17045-17049: 6 more are
    sure, all right; none fewer, no wrong one."""
    return ppocr.Reading(tuple(replace(char, confidence=1.0) if index < len(known) else char
                               for index, char in enumerate(reading.chars)))


def read_digits(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[str, float]:
    """Value and confidence of a digits or date field on the registered page.

    The value is PP-OCR's reading of the strip, given as YYYY-MM-DD for a date; it passes
    only with one digit per box, a real date, and one of Tesseract's renderings or ddddocr
    giving the same digits; where a box clipped a glyph, only when the writing cut where it
    stands reads the same again (_confirmed_whole); where writing lies along a box's line,
    only when it reads the same with the line it touches put back (_confirmed_restored). A
    century read as the one the form knows is sure however surely PP-OCR reads it
    (_century_known), and the other views' readings of it are not compared. A
    date whose century the form knows that does not pass is read again without it
    (_read_after_century), then with the lines its writing touches put back
    (_read_restored), row by row (_read_row_lines) and with its glyphs set otherwise than
    packed (_read_rearranged); whichever reading of such a date passes must also be read
    with a loop closed along the line its arms meet (_closed_otherwise). When PP-OCR's reading is
    incomplete, Tesseract's first complete one is shown instead, with a low confidence,
    for a person to correct.
    """
    rows = field.digit_rows
    cut = [_cell_glyphs(gray, row.box, row.chars, dpi, field.underline) for row in rows]
    found = [glyph for row in cut for glyph in row.glyphs]
    glyphs = [ink for ink, _ in found]
    if not glyphs:
        return "", 1.0
    if (any(_smudged(gray, row.box, dpi) for row in rows)
            or any(_struck(part.row_ink, dpi) for part in cut)):
        return "", 0.0
    boxes = sum(row.chars for row in rows)

    def complete(digits: str) -> bool:
        return len(digits) == boxes and (field.type != "date" or _as_iso_date(digits) is not None)

    def shown(digits: str) -> str:
        return (_as_iso_date(digits) if field.type == "date" else digits) or digits

    seen = _as_seen_strip(found)
    reading = ppocr.read_line(seen, DIGITS)
    known = field.century or ""
    if known and reading.text.startswith(known):
        reading = _century_known(reading, known)
    if complete(reading.text) and len(glyphs) == boxes and reading.lowest >= FLOORS.ppocr:
        if any(row.along for row in cut):
            confidence = _confirmed_restored(reading, found, seen, cut, dpi, boxes == 1,
                                             known)
        elif any(row.clipped for row in cut):
            confidence = _confirmed_whole(reading, cut, boxes == 1, known)
        else:
            confidence = _confirmed(reading, found, seen, boxes == 1, known)
        if confidence is not None and not (known and _closed_otherwise(reading.text, cut, dpi,
                                                                           known)):
            return shown(reading.text), confidence
    if known:
        again = _read_after_century(cut, known)
        if again is not None and not _closed_otherwise(again[0].replace("-", ""), cut, dpi,
                                                       known):
            return again
        for last in (_read_restored, _read_row_lines, _read_rearranged):
            again = last(cut, dpi, known)
            if again is not None and not _closed_otherwise(again[0].replace("-", ""), cut,
                                                           dpi, known, FLOORS.ppocr):
                return again
    if complete(reading.text):
        return shown(reading.text), unconfirmed(reading.lowest)
    value, lowest = next(((digits, lowest) for digits, lowest
                          in _renderings(_compact_strip(glyphs), boxes == 1) if complete(digits)),
                         (reading.text, reading.lowest))
    return shown(value), unconfirmed(lowest) * INCOMPLETE_FACTOR
