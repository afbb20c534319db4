"""Marks read as a person reads them, drawn on the real blank form at 200 and 300 dpi.

Every mark is drawn where a person would put it (computed from the field map, not from the
reader's own geometry) and read by the field readers that ocr.page uses. A value read with
a confidence at or above the review threshold must be right; a page a person would hesitate
over (two marks, a stamp, a stray stroke) must stay below it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import cv2
import numpy as np
import pytest

from ocr import FormSpec, ppocr
from ocr.checkbox import _marked, read_check, read_choice, read_presence
from ocr.cleanup import PAD_PX
from ocr.confidence import ACCEPT
from ocr.digits import (
    DIGITS,
    FLOORS,
    STRIKE_CELLS,
    RowGlyphs,
    _as_seen_strip,
    _cell_glyphs,
    _closed_glyphs,
    _compact_strip,
    _confirmed,
    _line_under_arms,
    _per_row,
    _rearranged,
    _renderings,
    _restored,
    _restored_glyphs,
    _row_as_glyph,
    _row_ink,
    _struck,
    read_digits,
)
from ocr.fieldmap import Box, FieldSpec
from ocr.geometry import box_to_px, mm_to_px
from ocr.optionmarks import FieldEvidence, OptionEvidence, _extents, option_cores
from ocr.template import blank_page
from samples.blank_form import OPTION_PT
from tests.unit.ocr.images import DATA, boxed, field_on_blank

REVIEW = 0.90
"""The pipeline's default YOSHIN_REVIEW_CONFIDENCE."""
PEN = 0
PENCIL = 170
PT_MM = 25.4 / 72

Rect = tuple[float, float, float, float]
"""x, y, w, h in mm."""


def label_rect(box: Box, label: str) -> Rect:
    """Where blank_form prints an option's label: 1 mm right of the box, at OPTION_PT."""
    em = OPTION_PT * PT_MM
    width = sum(1.0 if ord(char) > 0x7F else 0.55 for char in label) * em
    return box[0] + box[2] + 1.0, box[1] + box[3] / 2 - em * 0.45, width, em * 0.9


def union(*rects: Rect) -> Rect:
    left, top = min(r[0] for r in rects), min(r[1] for r in rects)
    right = max(r[0] + r[2] for r in rects)
    bottom = max(r[1] + r[3] for r in rects)
    return left, top, right - left, bottom - top


class Pen:
    """Draws on a page raster in mm, anti-aliased, with one ink and stroke width."""

    def __init__(self, page: np.ndarray, dpi: int, ink: int = PEN, width_mm: float = 0.5):
        self.page, self.dpi, self.ink = page, dpi, ink
        self.width = max(1, round(mm_to_px(width_mm, dpi)))

    def point(self, x: float, y: float) -> tuple[int, int]:
        return round(mm_to_px(x, self.dpi)), round(mm_to_px(y, self.dpi))

    def polyline(self, points: list[tuple[float, float]]) -> None:
        for start, end in zip(points, points[1:], strict=False):
            cv2.line(self.page, self.point(*start), self.point(*end), self.ink, self.width,
                     cv2.LINE_AA)

    def tick(self, box: Box, overrun: float = 1.0) -> None:
        x, y, w, h = box
        bottom = (x + 0.42 * w, y + 0.85 * h)
        top = (x + 0.9 * w, y + 0.1 * h)
        end = (bottom[0] + (top[0] - bottom[0]) * overrun, bottom[1] + (top[1] - bottom[1])
               * overrun)
        self.polyline([(x + 0.15 * w, y + 0.55 * h), bottom, end])

    def cross(self, box: Box) -> None:
        x, y, w, h = box
        self.polyline([(x + 1, y + 1), (x + w - 1, y + h - 1)])
        self.polyline([(x + w - 1, y + 1), (x + 1, y + h - 1)])

    def fill(self, box: Box) -> None:
        x, y, w, h = box
        cv2.rectangle(self.page, self.point(x + 0.9, y + 0.9), self.point(x + w - 0.9, y + h - 0.9),
                      self.ink, -1)

    def zigzag(self, box: Box, step_mm: float) -> None:
        """A box filled the way a pen fills one: back and forth, row under row."""
        x, y, w, h = box
        points: list[tuple[float, float]] = []
        for index, row in enumerate(np.arange(y + 0.8, y + h - 0.8, step_mm)):
            ends = [(x + 0.8, row), (x + w - 0.8, row)]
            points += ends if index % 2 == 0 else ends[::-1]
        self.polyline(points)

    def circle(self, rect: Rect, pad_mm: float = 1.2, gap_deg: int = 0, start_deg: int = 20
               ) -> None:
        x, y, w, h = rect
        centre = self.point(x + w / 2, y + h / 2)
        axes = (round(mm_to_px(w / 2 + pad_mm, self.dpi)), round(mm_to_px(h / 2 + pad_mm,
                                                                            self.dpi)))
        cv2.ellipse(self.page, centre, axes, -4, start_deg, start_deg + 360 - gap_deg,
                    self.ink, self.width, cv2.LINE_AA)

    def double_line(self, rect: Rect) -> None:
        x, y, w, h = rect
        for offset in (0.3, 0.7):
            self.polyline([(x - 1.0, y + offset * h + 0.2), (x + w + 1.0, y + offset * h - 0.2)])

    def scribble(self, rect: Rect) -> None:
        """Back and forth over `rect` and a little beyond, as one covers a mark to undo it."""
        x, y, w, h = rect[0] - 0.8, rect[1] - 0.8, rect[2] + 1.6, rect[3] + 1.6
        steps = max(8, round(w / 0.7))
        self.polyline([(x + i * w / steps, y if i % 2 else y + h) for i in range(steps + 1)])

    def hatch(self, rect: Rect) -> None:
        x, y, w, h = rect[0] - 0.8, rect[1] - 0.8, rect[2] + 1.6, rect[3] + 1.6
        for i in range(round(w / 0.8) + 1):
            start = x - h * 0.3 + i * 0.8
            self.polyline([(start, y + h), (start + h * 0.6, y)])


def stamp(page: np.ndarray, dpi: int, centre: tuple[float, float], diameter_mm: float,
          gray: int = 150) -> None:
    """A reception stamp: a mid-gray disc (red ink darkens what it covers) with a rim."""
    mask = np.zeros(page.shape, np.uint8)
    point = (round(mm_to_px(centre[0], dpi)), round(mm_to_px(centre[1], dpi)))
    radius = round(mm_to_px(diameter_mm / 2, dpi))
    cv2.circle(mask, point, radius, 255, -1, cv2.LINE_AA)
    shaded = page.astype(np.float32) * (gray / 255.0)
    alpha = mask.astype(np.float32) / 255.0
    page[:] = (page * (1 - alpha) + shaded * alpha).astype(np.uint8)
    cv2.circle(page, point, radius, gray - 60, round(mm_to_px(0.8, dpi)), cv2.LINE_AA)


def jpeg(page: np.ndarray, quality: int = 40) -> np.ndarray:
    _, data = cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)


def noisy(page: np.ndarray, sigma: float = 9.0, paper: float = 0.92) -> np.ndarray:
    """A fax-like poor scan: gray paper, blur and strong noise."""
    rng = np.random.default_rng(7)
    image = cv2.GaussianBlur(page.astype(np.float32) * paper, (0, 0), 0.9)
    image += rng.normal(0.0, sigma, page.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def photo(page: np.ndarray) -> np.ndarray:
    """A phone photo's uneven light: the page darkens to 60 % towards one corner."""
    height, width = page.shape
    ramp = np.linspace(1.0, 0.6, width, dtype=np.float32)[None, :] * np.linspace(
        1.0, 0.85, height, dtype=np.float32)[:, None]
    return np.clip(cv2.GaussianBlur(page.astype(np.float32), (0, 0), 0.7) * ramp, 0,
                   255).astype(np.uint8)


VARIANTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "clean": lambda page: page, "jpeg": jpeg, "noisy": noisy, "photo": photo}
DPIS = (200, 300)


@pytest.fixture
def covid(forms: dict[str, FormSpec]) -> FormSpec:
    return forms["covid19"]


@pytest.fixture
def boxed_covid(covid: FormSpec) -> FormSpec:
    """The covid19 form as printed with a box per digit of its vaccination date."""
    return boxed(covid)


def page_of(spec: FormSpec, dpi: int) -> np.ndarray:
    return blank_page(spec, dpi).copy()


def option_rects(spec: FormSpec, key: str, index: int) -> tuple[Box, Rect]:
    option = spec.field(key).options[index]
    return option.box, label_rect(option.box, option.label)


def date_on_blank(spec: FormSpec, crop: str
                  ) -> tuple[np.ndarray, FieldSpec, list[RowGlyphs]]:
    """A blank `spec` form with the vaccination date's `crop` pasted in place, the field,
    and its rows cut box by box as read_digits cuts them."""
    page, field = field_on_blank(spec, "vaccination_date", crop)
    return page, field, [_cell_glyphs(page, row.box, row.chars, 300) for row in field.digit_rows]


def choice(spec: FormSpec, page: np.ndarray, key: str, dpi: int) -> tuple[str, float]:
    return read_choice(page, spec.field(key), dpi, spec)


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_an_empty_form_is_a_sure_blank(covid: FormSpec, dpi: int, variant: str) -> None:
    page = VARIANTS[variant](page_of(covid, dpi))
    for field in covid.fields:
        if field.type == "choice":
            assert read_choice(page, field, dpi, covid) == ("", pytest.approx(0.99, abs=0.01))
    assert read_check(page, covid.field("consent"), dpi, covid)[0] == "false"
    assert read_check(page, covid.field("consent"), dpi, covid)[1] >= REVIEW
    assert read_presence(page, covid.field("signature"), dpi, covid)[0] == "false"
    assert read_presence(page, covid.field("signature"), dpi, covid)[1] >= REVIEW


MARKS: dict[str, Callable[[Pen, Box, Rect], None]] = {
    "tick": lambda pen, box, label: pen.tick(box),
    "overrunning tick": lambda pen, box, label: pen.tick(box, overrun=1.9),
    "cross": lambda pen, box, label: pen.cross(box),
    "fill": lambda pen, box, label: pen.fill(box),
    "zigzag fill": lambda pen, box, label: pen.zigzag(box, 0.5),
    "circled label": lambda pen, box, label: pen.circle(label),
    "open circle around label": lambda pen, box, label: pen.circle(label, gap_deg=70),
    "circle around box and label": lambda pen, box, label: pen.circle(union(box, label), 1.0),
    "circle in box": lambda pen, box, label: pen.circle(box, -0.9),
    "tick over label": lambda pen, box, label: pen.tick((label[0], box[1], box[2], box[3])),
}


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("mark", list(MARKS))
@pytest.mark.parametrize(("key", "index", "value"), [("q3", 1, "no"), ("vaccine", 1, "moderna")])
def test_a_mark_made_any_usual_way_is_read_surely(covid: FormSpec, dpi: int, mark: str,
                                                  key: str, index: int, value: str) -> None:
    page = page_of(covid, dpi)
    box, label = option_rects(covid, key, index)
    MARKS[mark](Pen(page, dpi), box, label)
    for variant in ("clean", "jpeg"):
        got, confidence = choice(covid, VARIANTS[variant](page), key, dpi)
        assert (got, variant) == (value, variant)
        assert confidence >= REVIEW, variant


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("gray", [120, 150, PENCIL, 185])
def test_a_pencil_mark_counts(covid: FormSpec, dpi: int, variant: str, gray: int) -> None:
    page = page_of(covid, dpi)
    box, label = option_rects(covid, "q5", 0)
    Pen(page, dpi, gray, 0.3).tick(box)
    box, label = option_rects(covid, "q6", 1)
    Pen(page, dpi, gray, 0.3).circle(label)
    page = VARIANTS[variant](page)
    got_q5 = choice(covid, page, "q5", dpi)
    got_q6 = choice(covid, page, "q6", dpi)
    assert got_q5[0] == "yes" or got_q5[1] < REVIEW
    assert got_q6[0] == "no" or got_q6[1] < REVIEW
    if gray <= PENCIL:
        assert got_q5[0] == "yes" and got_q5[1] >= REVIEW
        assert got_q6[0] == "no" and got_q6[1] >= REVIEW


def test_a_circle_is_the_answer_of_its_own_question_only(covid: FormSpec) -> None:
    page = page_of(covid, 300)
    box, label = option_rects(covid, "q7", 0)
    Pen(page, 300).circle(union(box, label), 1.6)
    assert choice(covid, page, "q7", 300)[0] == "yes"
    for neighbour in ("q6", "q8"):
        assert choice(covid, page, neighbour, 300) == ("", pytest.approx(0.99, abs=0.01))


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("index", range(4))
def test_a_circled_vaccine_in_a_grid_of_options_is_the_answer(forms: dict[str, FormSpec],
                                                              dpi: int, index: int) -> None:
    """The children's form offers its vaccines in two columns of two. A circle around the
    second one's label (小児肺炎球菌20価, development seed 17029) was taken for a stamp cut
    off by the field's window, because that label was sought only up to the next option in
    the form's order, which starts the next row left of it, and so was never found."""
    spec = forms["child"]
    page = page_of(spec, dpi)
    box, label = option_rects(spec, "vaccine", index)
    Pen(page, dpi).circle(label)
    value, confidence = choice(spec, page, "vaccine", dpi)
    assert value == spec.field("vaccine").options[index].value
    assert confidence >= REVIEW


STRIKES: dict[str, Callable[[Pen, Rect], None]] = {
    "double line": Pen.double_line, "scribble": Pen.scribble, "hatching": Pen.hatch}


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("strike", list(STRIKES))
@pytest.mark.parametrize("first", ["tick", "circled label"])
def test_a_struck_out_mark_is_withdrawn_and_the_other_is_the_answer(
        covid: FormSpec, dpi: int, strike: str, first: str) -> None:
    page = page_of(covid, dpi)
    box, label = option_rects(covid, "q8", 0)
    pen = Pen(page, dpi)
    MARKS[first](pen, box, label)
    STRIKES[strike](pen, box if first == "tick" else label)
    box, label = option_rects(covid, "q8", 1)
    pen.tick(box)
    for variant in ("clean", "jpeg"):
        got, confidence = choice(covid, VARIANTS[variant](page), "q8", dpi)
        assert got == "no" or confidence < REVIEW
    assert choice(covid, page, "q8", dpi)[0] == "no"


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("ink", [PEN, 120, 150])
@pytest.mark.parametrize("step", [0.5, 0.8])
def test_a_box_filled_in_any_ink_is_the_answer(covid: FormSpec, dpi: int, ink: int,
                                               step: float) -> None:
    """A fill in pale ink is solid like a stamp's ink, or, drawn sparser, crossed by a scan
    line as often as a scribble is; kept within the box, it is a fill."""
    page = page_of(covid, dpi)
    box, _ = option_rects(covid, "q4", 1)
    Pen(page, dpi, ink, 0.3).zigzag(box, step)
    for variant in ("clean", "jpeg"):
        assert choice(covid, VARIANTS[variant](page), "q4", dpi)[0] == "no", variant
    assert choice(covid, page, "q4", dpi)[1] >= REVIEW


@pytest.mark.parametrize("dpi", DPIS)
def test_writing_in_the_next_written_field_is_not_this_fields_ink(covid: FormSpec,
                                                                   dpi: int) -> None:
    """The birth date's boxes stand 2.5 mm above the sex options: digits reaching the
    bottom of their boxes belong to the date."""
    page = page_of(covid, dpi)
    pen = Pen(page, dpi)
    x, y, w, h = covid.field("birth_date").box
    cell = w / (covid.field("birth_date").chars or 8)
    for index in range(4):
        left = x + index * cell + cell * 0.3
        pen.polyline([(left, y + h * 0.3), (left + cell * 0.4, y + h - 0.3)])
    pen.tick(option_rects(covid, "sex", 1)[0])
    assert choice(covid, page, "sex", dpi) == ("F", pytest.approx(0.99, abs=0.01))


@pytest.mark.parametrize("dpi", DPIS)
def test_a_struck_out_mark_alone_is_no_sure_answer(covid: FormSpec, dpi: int) -> None:
    page = page_of(covid, dpi)
    box, label = option_rects(covid, "q9", 1)
    pen = Pen(page, dpi)
    pen.tick(box)
    pen.double_line(box)
    got, confidence = choice(covid, page, "q9", dpi)
    assert got != "no" and confidence < REVIEW


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("variant", ["clean", "jpeg", "noisy"])
def test_two_live_marks_are_doubtful(covid: FormSpec, dpi: int, variant: str) -> None:
    page = page_of(covid, dpi)
    pen = Pen(page, dpi)
    pen.tick(option_rects(covid, "q10", 0)[0])
    pen.circle(option_rects(covid, "q10", 1)[1])
    assert choice(covid, VARIANTS[variant](page), "q10", dpi)[1] < REVIEW


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("diameter", [9.0, 16.0])
@pytest.mark.parametrize("on_mark", [False, True])
def test_a_stamp_over_the_area_is_doubtful(covid: FormSpec, dpi: int, diameter: float,
                                           on_mark: bool) -> None:
    page = page_of(covid, dpi)
    box, label = option_rects(covid, "q11", 1)
    if on_mark:
        Pen(page, dpi).tick(box)
    stamp(page, dpi, (box[0] + box[2], box[1] + box[3] / 2), diameter)
    assert choice(covid, page, "q11", dpi)[1] < REVIEW


@pytest.mark.parametrize("dpi", DPIS)
def test_a_stray_stroke_is_doubtful(covid: FormSpec, dpi: int) -> None:
    page = page_of(covid, dpi)
    box, label = option_rects(covid, "q12", 0)
    x = label[0] + label[2] + 1.5
    Pen(page, dpi, 40, 0.4).polyline([(x, box[1] + 0.5), (x + 1.2, box[1] + 3.5)])
    assert choice(covid, page, "q12", dpi)[1] < REVIEW


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("variant", ["clean", "jpeg", "photo"])
@pytest.mark.parametrize("how", ["tick", "circled label", "pencil tick"])
def test_consent_is_read_from_box_or_label(covid: FormSpec, dpi: int, variant: str,
                                           how: str) -> None:
    page = page_of(covid, dpi)
    field = covid.field("consent")
    pen = Pen(page, dpi, PENCIL, 0.3) if how == "pencil tick" else Pen(page, dpi)
    if how == "circled label":
        pen.circle((field.box[0] + field.box[2] + 1.0, field.box[1] + 1.0, 22.6, 3.0))
    else:
        pen.tick(field.box, overrun=1.3)
    got, confidence = read_check(VARIANTS[variant](page), field, dpi, covid)
    assert got == "true" and confidence >= REVIEW


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("gray", [PEN, PENCIL])
def test_a_signature_in_pencil_is_present(covid: FormSpec, dpi: int, gray: int) -> None:
    page = page_of(covid, dpi)
    x, y, w, h = covid.field("signature").box
    points = [(x + 8 + i * 1.5, y + (3 if i % 2 else 7)) for i in range(16)]
    Pen(page, dpi, gray, 0.35).polyline(points)
    got, confidence = read_presence(jpeg(page), covid.field("signature"), dpi, covid)
    assert got == "true" and confidence >= REVIEW


@pytest.mark.parametrize("dpi", DPIS)
def test_a_dot_in_the_signature_box_is_no_sure_blank(covid: FormSpec, dpi: int) -> None:
    page = page_of(covid, dpi)
    x, y, w, h = covid.field("signature").box
    Pen(page, dpi, 30, 0.6).polyline([(x + 30, y + 5), (x + 31.5, y + 5.6)])
    got, confidence = read_presence(page, covid.field("signature"), dpi, covid)
    assert got == "true" or confidence < REVIEW


@pytest.mark.parametrize("form_id", ["covid19", "influenza", "child", "elderly"])
@pytest.mark.parametrize("dpi", DPIS)
def test_every_option_label_is_found_in_the_print(forms: dict[str, FormSpec], form_id: str,
                                                  dpi: int) -> None:
    spec = forms[form_id]
    cores = {(core.key, core.index): core for core in option_cores(spec, dpi)}
    for field in spec.fields:
        for index, option in enumerate(field.options):
            found = cores[(field.key, index)].label
            x, y, w, h = label_rect(option.box, option.label)
            assert found is not None, (field.key, option.label)
            assert abs(found[0] - mm_to_px(x, dpi)) < mm_to_px(0.6, dpi), option.label
            assert abs(found[2] - mm_to_px(w, dpi)) < 0.3 * mm_to_px(w, dpi), option.label


@pytest.mark.parametrize("seed", range(4))
def test_extents_are_the_components_bounding_boxes(seed: int) -> None:
    """The cheap per-label rectangles and sizes are OpenCV's component statistics."""
    rng = np.random.default_rng(seed)
    mask = np.where(rng.random((90, 140)) < 0.08, 255, 0).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((2, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    extents, areas = _extents(labels, count, mask)
    assert np.array_equal(extents[1:], stats[1:, :4])
    assert np.array_equal(areas, stats[:, 4])


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("ink", [PEN, 110])
@pytest.mark.parametrize(("pad", "shift", "gap", "start"), [
    (0.6, (0.0, 0.0), 0, 20), (1.2, (0.4, -0.3), 0, 20), (2.0, (-0.5, 0.4), 0, 20),
    (1.0, (0.5, 0.3), 40, 160), (1.0, (0.5, 0.3), 60, 150), (1.8, (0.0, -0.5), 40, 300)])
def test_circles_around_boxes_on_successive_questions_are_each_read(
        covid: FormSpec, dpi: int, ink: int, pad: float, shift: tuple[float, float],
        gap: int, start: int) -> None:
    """Circles around the いいえ box of successive questions touch, and the middle one, left
    open, falls apart into arcs joined to its neighbours' circles: it is still no sure
    blank."""
    page = page_of(covid, dpi)
    pen = Pen(page, dpi, ink)
    for key in ("q7", "q8", "q9", "q10"):
        x, y, w, h = option_rects(covid, key, 1)[0]
        pen.circle((x + shift[0], y + shift[1], w, h), pad, gap if key == "q9" else 0, start)
    for key in ("q8", "q9"):
        got, confidence = choice(covid, jpeg(page, 75), key, dpi)
        assert got == "no" or confidence < REVIEW, key


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("ink", [PEN, 110])
@pytest.mark.parametrize("pad", [0.6, 1.2, 2.0])
@pytest.mark.parametrize("gap", [0, 50])
def test_a_circle_around_the_box_is_the_answer(covid: FormSpec, dpi: int, ink: int,
                                               pad: float, gap: int) -> None:
    page = page_of(covid, dpi)
    box, label = option_rects(covid, "q4", 1)
    Pen(page, dpi, ink).circle(box, pad, gap, 160)
    got, confidence = choice(covid, jpeg(page, 75), "q4", dpi)
    assert got == "no" or confidence < REVIEW
    assert got != ""


def seal(page: np.ndarray, dpi: int, centre: tuple[float, float], diameter_mm: float,
         gray: int = 150) -> None:
    """A personal seal (印): a mid-gray ring with a family name written top to bottom."""
    mask = np.zeros(page.shape, np.uint8)
    pen = Pen(mask, dpi, 255, 0.5)
    x, y = centre
    radius = diameter_mm / 2
    cv2.circle(mask, pen.point(x, y), round(mm_to_px(radius, dpi)), 255, pen.width,
               cv2.LINE_AA)
    for top in (y - radius * 0.7, y + radius * 0.05):
        step = radius * 0.6
        pen.polyline([(x - step / 2, top), (x + step / 2, top), (x + step / 2, top + step),
                      (x - step / 2, top + step), (x - step / 2, top)])
        pen.polyline([(x, top), (x, top + step)])
    alpha = mask.astype(np.float32) / 255.0
    page[:] = (page * (1 - alpha) + page * (gray / 255.0) * alpha).astype(np.uint8)


@pytest.mark.parametrize("dpi", DPIS)
@pytest.mark.parametrize("diameter", [9.0, 10.5, 13.0])
@pytest.mark.parametrize("offset", [0.0, 1.5])
def test_a_seal_over_an_empty_signature_box_is_no_sure_signature(
        covid: FormSpec, dpi: int, diameter: float, offset: float) -> None:
    page = page_of(covid, dpi)
    x, y, w, h = covid.field("signature").box
    seal(page, dpi, (x + w * 0.7, y + h / 2 + offset), diameter)
    got, confidence = read_presence(jpeg(page, 75), covid.field("signature"), dpi, covid)
    assert confidence < REVIEW, got


def test_a_blank_surrounded_by_writing_given_to_its_neighbours_is_not_sure() -> None:
    """Circles round the boxes of successive questions touch, and one question's circle can
    fall apart into arcs joined to its neighbours' circles: the field then holds no writing
    of its own, but it is surrounded on several sides, which a neighbour's circle reaching
    over (test_a_circle_is_the_answer_of_its_own_question_only) never does."""
    blank = OptionEvidence(0.0, 0.0, 0.0, False, 0)
    crowded = FieldEvidence((blank, blank), 0, 139.5, 0, neighbours_around=0.6)
    assert _marked(crowded) == (None, pytest.approx(0.5))
    assert _marked(replace(crowded, neighbours_around=0.3)) == (None, pytest.approx(0.99))


def test_a_pencil_circle_too_faint_to_hold_together_is_no_sure_blank(
        forms: dict[str, FormSpec]) -> None:
    """A light pencil circle around はい (seed 17049 page 376, level 190, a 200 dpi office
    scan registered at 300 dpi) breaks up into specks, none large enough to be writing: the
    answer is no sure blank. The same area of the blank form is one."""
    spec = forms["influenza"]
    page = np.array(blank_page(spec, 300))
    crop = cv2.imread(str(DATA / "influenza-q1-yes-faint-pencil-x1863-y1153.png"),
                      cv2.IMREAD_GRAYSCALE)
    assert read_choice(page, spec.field("q1"), 300, spec) == ("", pytest.approx(0.99))
    page[1153:1153 + crop.shape[0], 1863:1863 + crop.shape[1]] = crop
    got, confidence = read_choice(page, spec.field("q1"), 300, spec)
    assert got == "yes" or confidence < REVIEW, (got, confidence)


@pytest.mark.parametrize("dpi", DPIS)
def test_a_digit_written_on_a_box_line_is_never_sure(covid: FormSpec, dpi: int) -> None:
    """A stroke lying on the line between two boxes goes with the line when the lines are
    taken away, and both recognisers then read the same wrong digit (a 6 whose stem lay on
    the line read as 5): writing along a line for 2.5 mm makes the row unsure. A digit
    written inside its box, touching nothing, does not."""
    spec = boxed(covid)
    field = spec.field("vaccination_date")
    row = field.digit_rows[-1]
    x, y, w, h = row.box
    cell = w / row.chars
    page = page_of(spec, dpi)
    pen = Pen(page, dpi)
    pen.polyline([(x + cell * 0.3, y + 1.5), (x + cell * 0.3, y + h - 1.5)])
    pen.polyline([(x + cell * 1.3, y + 1.5), (x + cell * 1.3, y + h - 1.5)])
    assert not _cell_glyphs(page, row.box, row.chars, dpi).along
    page = page_of(spec, dpi)
    stem = x + cell  # a 6 whose stem leans along the line
    Pen(page, dpi, width_mm=0.6).polyline([(stem - 0.1, y + 1.0), (stem + 0.5, y + h - 1.2),
                                           (stem + 2.3, y + h - 1.2), (stem + 2.2, y + h / 2),
                                           (stem + 0.3, y + h / 2)])
    assert _cell_glyphs(page, row.box, row.chars, dpi).along


def test_a_digit_drawn_over_its_rows_bottom_line_is_never_sure(
        forms: dict[str, FormSpec]) -> None:
    """2023 written low (development seed 17029, page 208): the third box's 2 is drawn over
    the bottom line, its base on the line, and what the line's removal leaves of it both
    recognisers read as 1 (2013, sure at 0.94). Writing on both sides of the line for
    1.2 mm makes the row unsure."""
    page, field = field_on_blank(forms["influenza"], "vaccination_date",
                                 "date-influenza-20231023.png")
    year = field.digit_rows[0]
    assert _cell_glyphs(page, year.box, year.chars, 300).along
    value, confidence = read_digits(page, field, 300)
    assert value == "2013-10-23"
    assert confidence < ACCEPT


def test_writing_along_a_line_is_sure_when_it_reads_the_same_with_the_line_put_back(
        forms: dict[str, FormSpec]) -> None:
    """2024-11-07 on a child's form (development seed 17029, page 18): the month's second 1
    is written along its box's right line. With the stretch of line it touches put back it
    still reads 11, so the date passes as one written clear of the lines would."""
    page, field = field_on_blank(forms["child"], "vaccination_date", "date-child-20241107.png")
    assert any(_cell_glyphs(page, row.box, row.chars, 300).along for row in field.digit_rows)
    value, confidence = read_digits(page, field, 300)
    assert value == "2024-11-07"
    assert confidence >= ACCEPT


@pytest.mark.parametrize(("form", "crop", "written"), [
    ("influenza", "date-influenza-20231204-on-lines.png", "2023-12-04"),
    ("elderly", "date-elderly-20250916-on-lines.png", "2025-09-16"),
])
def test_a_line_a_digit_only_sits_on_is_not_put_back(forms: dict[str, FormSpec], form: str,
                                                     crop: str, written: str) -> None:
    """Development seeds 17045 page 144 (the day's 0 up against its top line) and 17046
    page 21 (the year's 0 and the day's 1 down over the bottom line), each with writing
    along a vertical line as well. Their box cut is read right and confirmed; the view with
    the touched lines put back once drew the top or bottom line under such a digit as dark
    and wide as print, PP-OCR read that blot right but at 0.00 and 0.47, and the date waited
    for a person. Only a line writing lies along on both sides is put back now."""
    page, field = field_on_blank(forms[form], "vaccination_date", crop)
    assert any(_cell_glyphs(page, row.box, row.chars, 300).along for row in field.digit_rows)
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == (written, True)


def test_a_row_that_does_not_part_with_the_line_put_back_is_read_as_one_line(
        forms: dict[str, FormSpec]) -> None:
    """2024-01-27 on an influenza form (development seed 17034, page 200): writing lies along
    a line, and with the line stretches it touches put back the year's digits do not part
    into one glyph per box. Read whole as a line the year is 2024 still, and the date is
    sure; a stroke that lay on the line would be in that line too."""
    page, field = field_on_blank(forms["influenza"], "vaccination_date",
                                 "date-influenza-20240127.png")
    year = field.digit_rows[0]
    assert _restored_glyphs(_cell_glyphs(page, year.box, year.chars, 300).row_ink, 300) is None
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == ("2024-01-27", True)


def test_the_view_with_the_line_put_back_must_read_alike_not_surely(
        forms: dict[str, FormSpec]) -> None:
    """2025-05-16 on a child's form (development seed 17051, page 9): the month's 0 hangs
    over its box's bottom line. The box cut reads the date at 1.00, confirmed by Tesseract
    and ddddocr; with the lines it touches put back the 0 has a stroke the writer did not
    draw, and PP-OCR reads it 0 still, but at 0.80. It reads no other digit, so the date is
    sure."""
    page, field, cut = date_on_blank(forms["child"], "date-child-20250516-put-back-less-sure.png")
    assert any(row.along for row in cut)
    restored = [glyph for row in cut for glyph in _restored_glyphs(row.row_ink, 300) or []]
    again = ppocr.read_line(_as_seen_strip(restored), DIGITS)
    assert (again.text, again.lowest < FLOORS.ppocr) == ("20250516", True)
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == ("2025-05-16", True)


def test_a_date_written_across_its_boxes_is_read_row_by_row(
        forms: dict[str, FormSpec]) -> None:
    """2025-02-15 on a child's form (development seed 17051, page 403): the year's 2 and 5
    share its third box, the month's 0 stands on the line between its boxes and the day's 1
    on the row's first line. The box cut reads 202150215, and the cut where the writing
    stands is not read surely; each row read whole, the lines it touches put back, gives
    2025, 02 and 15, confirmed."""
    page, field, cut = date_on_blank(forms["child"], "date-child-20250215-off-its-boxes.png")
    boxed = ppocr.read_line(_as_seen_strip([glyph for row in cut for glyph in row.glyphs]), DIGITS)
    assert boxed.text != "20250215"
    rows = [_row_as_glyph(row.row_ink, 300) for row in cut]
    reading = ppocr.read_line(_as_seen_strip([row for row in rows if row is not None]), DIGITS)
    assert reading.text == "20250215"
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == ("2025-02-15", True)


@pytest.mark.parametrize(("crop", "written", "sure"), [
    ("date-child-20250730-read-set-evenly.png", "2025-07-30", False),
    ("date-child-20250602-square-hand.png", "2025-06-02", True),
])
def test_a_date_read_unsurely_packed_is_read_set_evenly(
        forms: dict[str, FormSpec], crop: str, written: str, sure: bool) -> None:
    """2025-07-30 (development seed 17047, page 412), whose month's 7 PP-OCR reads at 0.68
    packed, and 2025-06-02 in a square hand (seed 17051, page 228), whose 6 it reads at
    0.81: one glyph in every box, each date reads alike set evenly (the first of
    _rearranged's strips) with every digit but the century's at the floor. 2025-06-02 is
    sure, confirmed by a checker. 2025-07-30 waits for a person: its year and month have
    glyphs their boxes clip, and a clipped glyph set evenly passes only as the writing cut
    where it stands reads it, which these rows, with writing along their lines, do not
    give (the reading that took a month's 0 by the 年 for 1: test_underline)."""
    page, field, cut = date_on_blank(forms["child"], crop)
    found = [glyph for row in cut for glyph in row.glyphs]
    digits = written.replace("-", "")
    packed = ppocr.read_line(_as_seen_strip(found), DIGITS)
    assert (packed.text, packed.lowest < FLOORS.ppocr) == (digits, True)
    reading, _ = next(_rearranged(cut, found))
    assert reading.text == digits
    assert min(char.confidence for char in reading.chars[2:]) >= FLOORS.ppocr
    assert any(row.clipped for row in cut) is not sure
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == (written, sure)


def test_each_character_of_a_rows_reading_goes_to_the_row_it_stands_beside() -> None:
    """Rows 100 and 50 px wide, 40 high, set 10 px apart (GLYPH_GAP) after the strip's
    margin: a character whose centre lies past the first row's end and half the gap is the
    second row's."""
    rows = [(np.zeros((40, width), np.uint8), np.zeros((40, width), np.uint8))
            for width in (100, 50)]

    def at(*xs: float) -> ppocr.Reading:
        return ppocr.Reading(tuple(ppocr.Char("1", 1.0, PAD_PX + x) for x in xs))

    assert _per_row(at(20, 80, 104, 130), rows) == [3, 1]
    assert _per_row(at(20, 80, 106, 130), rows) == [2, 2]
    assert _per_row(at(20, 80, 140, 175), rows) == [2, 2]


def test_a_dates_century_needs_no_checker(forms: dict[str, FormSpec]) -> None:
    """2025-08-17 on a child's form (development seed 17034, page 57), with writing along a
    line: PP-OCR reads it right and so does the view with the line put back, but no
    Tesseract rendering (20150817) nor ddddocr (0.60) confirms the whole strip. The form
    knows the century, so the checkers confirm the rest of the glyphs alone."""
    page, field = field_on_blank(forms["child"], "vaccination_date", "date-child-20250817.png")
    assert any(_cell_glyphs(page, row.box, row.chars, 300).along for row in field.digit_rows)
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == ("2025-08-17", True)
    assert read_digits(page, field.model_copy(update={"century": None}), 300)[1] < ACCEPT


def test_a_digit_beside_a_line_for_a_millimetre_is_read_again_with_the_line_put_back(
        forms: dict[str, FormSpec]) -> None:
    """2023-12-26 on an influenza form (development seed 17031, page 72): the year's 2 is
    drawn with its stem on the line between the second and third boxes, and what the line's
    removal leaves reads as 1 to PP-OCR and Tesseract alike (2013). Writing lies beside a
    line for 1.5 mm only in the month row (its 1 beside the row's first line), short of the
    2.5 mm that once made a field unsure, and the date went to the ledger. From 1 mm the
    field is read again with the lines its writing touches put back, and that reads
    otherwise."""
    page, field = field_on_blank(forms["influenza"], "vaccination_date",
                                 "date-influenza-20231226.png")
    assert any(_cell_glyphs(page, row.box, row.chars, 300).along for row in field.digit_rows)
    value, confidence = read_digits(page, field, 300)
    assert value == "2013-12-26"
    assert confidence < ACCEPT


def test_a_date_whose_century_misreads_is_read_again_without_it(
        forms: dict[str, FormSpec]) -> None:
    """2025-07-12 on a child's form (development seed 17033, page 202), written clearly:
    PP-OCR reads the whole strip right, but no Tesseract rendering does (292502, 2925012:
    the century's 0 read as 9 or lost) nor ddddocr (2025072). Every vaccination year begins
    with 20 (the form says so: `century`), so the rest is read again without it, and that
    is confirmed."""
    page, field = field_on_blank(forms["child"], "vaccination_date", "date-child-20250712.png")
    assert field.century == "20"
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == ("2025-07-12", True)
    assert read_digits(page, field.model_copy(update={"century": None}), 300)[1] < ACCEPT


def test_a_year_not_written_in_all_four_boxes_is_not_completed_with_the_century(
        forms: dict[str, FormSpec]) -> None:
    """The same date with its year's first two boxes wiped: 25 alone is no year the form
    asks for (a clinic writing 令和 years, or a box left out), so the date stays for a
    person rather than becoming 2025."""
    page, field = field_on_blank(forms["child"], "vaccination_date", "date-child-20250712.png")
    x, y, w, h = box_to_px(field.digit_rows[0].box, 300)
    page[y + 3:y + h - 3, x + 3:x + w // 2 - 3] = 255
    assert read_digits(page, field, 300)[1] < ACCEPT


def test_a_bold_hand_is_no_smudge(forms: dict[str, FormSpec]) -> None:
    """A clinic code in a broad pen (development seed 17033, page 300) covers 31 % of its
    boxes; at the old smudge share (0.3) the field was read blank and the page waited for a
    person."""
    page, field = field_on_blank(forms["child"], "clinic_code",
                                 "clinic-code-child-1212345678-bold.png")
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == ("1212345678", True)


@pytest.mark.parametrize(("key", "crop", "row"), [
    ("clinic_code", "clinic-code-child-1212345678-bold.png", 0),
    ("vaccination_date", "date-child-20250712.png", 0),
])
def test_a_value_struck_out_is_not_read_as_written(forms: dict[str, FormSpec], key: str,
                                                   crop: str, row: int) -> None:
    """Two lines through a row's digits, the way a clinic strikes out a value to write it
    again: the box lines' removal would take the strike away and leave the struck digits
    readable, so the field is left for a person."""
    page, field = field_on_blank(forms["child"], key, crop)
    assert read_digits(page, field, 300)[1] >= ACCEPT
    x, y, w, h = box_to_px(field.digit_rows[row].box, 300)
    for middle in (y + h * 2 // 5, y + h * 3 // 5):
        cv2.line(page, (x - 10, middle), (x + w + 10, middle), 40, 3)
    assert read_digits(page, field, 300)[1] < ACCEPT


def test_a_bold_box_line_fitted_a_little_low_is_no_strike(forms: dict[str, FormSpec]) -> None:
    """2025-08-25 on an elderly form (development seed 17039, page 150): the page fitted half
    a millimetre low and its box lines printed bold, so the year's top line reached into the
    band a strike is looked for in; the date was blanked and the page waited for a person.
    The box's own top and bottom lines are no strike, wherever they lie."""
    page, field = field_on_blank(forms["elderly"], "vaccination_date",
                                 "date-elderly-20250825-bold-lines.png")
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == ("2025-08-25", True)


def test_a_date_whose_writing_lies_along_its_lines_is_read_with_them_put_back(
        forms: dict[str, FormSpec]) -> None:
    """2025-01-22 on an elderly form (development seed 17039, page 53): the year's 2 stands
    across its box's line, and the box cut reads it unsurely; the writing with the lines it
    touches put back, cut where it stands, reads the date surely, confirmed by a checker."""
    page, field = field_on_blank(forms["elderly"], "vaccination_date",
                                 "date-elderly-20250122-along-lines.png")
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == ("2025-01-22", True)


def test_a_whole_strip_read_otherwise_past_the_century_keeps_the_date_unsure(
        forms: dict[str, FormSpec]) -> None:
    """2023-12-29 in a brush hand on an influenza form (seed 900614, page 336): PP-OCR reads
    the day's small-looped 9 as 4, Tesseract reads the whole strip 20231229 and only the
    strip without the century 231224. The century's own check forgives slips in the century
    alone, so the date waits for a person instead of going to the ledger as 2023-12-24."""
    page, field = field_on_blank(forms["influenza"], "vaccination_date",
                                 "date-influenza-20231229-brush.png")
    value, confidence = read_digits(page, field, 300)
    assert value in ("2023-12-24", "2023-12-29")
    assert confidence < ACCEPT


def test_a_loop_whose_top_lay_on_the_line_is_never_read_surely(
        forms: dict[str, FormSpec]) -> None:
    """2021-03-09 on a covid19 form (development seed 17039, page 199): the day's 9 has its
    loop's top on the box's top line, which takes it away; what is left is a 4 in every
    view, read 2021-03-04 at 0.99 with the lines put back and confirmed by a checker. With
    the line between its two arms put back it is a 9 again, so the views disagree and the
    date waits for a person."""
    page, field = field_on_blank(forms["covid19"], "vaccination_date",
                                 "date-covid19-20210309-loop-on-line.png")
    day = field.digit_rows[2]
    row = _row_ink(page, day.box, day.chars, 300)
    restored, under = _restored_glyphs(row, 300), _line_under_arms(row, 300)
    assert restored is not None and under.any()
    assert ppocr.read_line(_as_seen_strip(restored), DIGITS).text == "04"
    closed = _closed_glyphs(row, _restored(row, 300) > 0, under)
    assert closed is not None
    assert ppocr.read_line(_as_seen_strip(closed), DIGITS).text == "09"
    assert read_digits(page, field, 300)[1] < ACCEPT


@pytest.mark.parametrize(("form", "crop", "row", "read"), [
    ("child", "date-child-20250901-loop-on-top-line.png", 1, "2025-04-01"),
    ("influenza", "date-influenza-20240119-small-nine-on-top-line.png", 2, "2024-01-14"),
])
def test_a_loop_on_the_top_line_keeps_a_date_the_box_cut_reads_surely_unsure(
        forms: dict[str, FormSpec], form: str, crop: str, row: int, read: str) -> None:
    """Two 9s whose loop's top lies on the top line, read 4 surely without it (the box
    cut's reading confirmed by Tesseract), each from a hold-out run: 2025-09-01 on a
    child's form (seed 900617 page 108), which went to the ledger while the closed view
    stood only before the last reading of a date; and a small 9 in 2024-01-19 on an
    influenza form (seed 900625 page 408), its loop shorter than ARMS_REACH_MM, so that its
    bottom joins the arms in every column within that reach: they stand apart where they
    touch the line. No writing lies along a vertical line and no glyph is clipped. The
    closed view reads other digits, and the date waits for a person."""
    page, field, cut = date_on_blank(forms[form], crop)
    assert not any(part.along or part.clipped for part in cut)
    assert _line_under_arms(cut[row].row_ink, 300).any()
    value, confidence = read_digits(page, field, 300)
    assert value == read
    assert confidence < ACCEPT


def test_the_loop_views_reading_of_the_century_is_no_evidence(
        forms: dict[str, FormSpec]) -> None:
    """2022-12-10 on a covid19 form (seed 17049 page 143): the year's 0 has two arms at the
    top line, and the view with the loop closed there reads the century's 0 as 9 (at 0.41).
    The century is 20 on every date the field holds, so only the other digits are compared:
    they agree, and the date, read at 1.00 and confirmed by Tesseract, is sure."""
    page, field, cut = date_on_blank(forms["covid19"],
                                     "date-covid19-20221210-loop-view-misreads-century.png")
    assert _line_under_arms(cut[0].row_ink, 300).any()
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == ("2022-12-10", True), confidence


def test_the_put_back_views_reading_of_the_century_is_no_evidence(
        forms: dict[str, FormSpec]) -> None:
    """2022-09-06 on a covid19 form (seed 17049 page 271): the year's writing lies along a line,
    and the view with the line put back reads every digit alike but the century's 0 at
    0.88. The century is 20 on every date the field holds, so only the other digits are
    held to the floor: the date, read at 1.00 and confirmed by Tesseract, is sure."""
    page, field, cut = date_on_blank(forms["covid19"],
                                     "date-covid19-20220906-put-back-century-unsure.png")
    assert cut[0].along
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == ("2022-09-06", True), confidence


def test_two_thin_ones_side_by_side_are_checked_in_even_cells(
        forms: dict[str, FormSpec]) -> None:
    """2025-09-11 on a child's form (seed 17049 page 66): packed at letter spacing the day's
    two thin 1s read as one to every Tesseract rendering and to ddddocr (2025091), so PP-OCR's
    reading, sure at 1.00, had no checker. Set in even cells, as a printer sets digits, the
    strip reads 20250911 to Tesseract, and the date is sure."""
    page, field, cut = date_on_blank(forms["child"],
                                     "date-child-20250911-two-ones.png")
    inks = [ink for part in cut for ink, _ in part.glyphs]
    assert len(inks) == 8
    assert all(digits != "20250911" for digits, _ in _renderings(_compact_strip(inks), False))
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == ("2025-09-11", True), confidence


def test_how_surely_the_century_is_read_is_no_evidence_of_the_rest(
        forms: dict[str, FormSpec]) -> None:
    """2025-05-30 on an elderly form (seed 17049 page 302): the century's 0 has its top on
    the box's line and PP-OCR, free, reads it as U; held to digits it is a 0 at 0.00. Every
    other digit is sure and Tesseract reads the same strip: the century is known, so the
    date is sure."""
    page, field, cut = date_on_blank(forms["elderly"],
                                     "date-elderly-20250530-century-read-as-u.png")
    reading = ppocr.read_line(_as_seen_strip([g for part in cut for g in part.glyphs]), DIGITS)
    assert reading.text == "20250530" and reading.chars[1].confidence < 0.5
    assert min(char.confidence for char in reading.chars[2:]) >= 0.9
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == ("2025-05-30", True), confidence


def test_a_digit_the_loop_view_only_guesses_at_keeps_no_date_back(
        forms: dict[str, FormSpec]) -> None:
    """2025-09-01 on a child's form (seed 17049 page 420): closing a loop along the year's
    line makes its 5 a 6 that PP-OCR reads at 0.04, a guess rather than another reading;
    the date, read at 0.99 and confirmed by Tesseract, is sure. A 9 whose loop lay on the
    line reads 9 there at 0.94 or more (the tests above), and keeps its date unsure."""
    page, field, cut = date_on_blank(forms["child"],
                                     "date-child-20250901-loop-view-guesses.png")
    assert _line_under_arms(cut[0].row_ink, 300).any()
    value, confidence = read_digits(page, field, 300)
    assert (value, confidence >= ACCEPT) == ("2025-09-01", True), confidence


@pytest.mark.parametrize("dpi", DPIS)
def test_the_line_under_arms_is_between_two_strokes_of_a_box_reaching_it(
        boxed_covid: FormSpec, dpi: int) -> None:
    """An open loop whose arms end just under the top line (a 9 whose arc the line hid) has
    the line between its arms under it, at the bottom line too; one stroke reaching the
    line (a 7's bar), or two strokes of neighbouring boxes, have none."""
    row = boxed_covid.field("vaccination_date").digit_rows[2]
    x, y, w, h = row.box
    cell = w / row.chars

    def under(*strokes: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
        """Rows and columns of the line under arms, from the first box's top left corner
        and in boxes' heights and widths."""
        page = page_of(boxed_covid, dpi)
        for stroke in strokes:
            Pen(page, dpi).polyline(stroke)
        ink = _row_ink(page, row.box, row.chars, dpi)
        rows, columns = np.nonzero(_line_under_arms(ink, dpi))
        return (rows - ink.margin) / ink.height, (columns - ink.margin) / ink.cell

    left, right = x + cell * 0.3, x + cell * 0.7
    rows, columns = under([(left, y + 0.8), (left, y + h / 2), (right, y + h / 2),
                           (right, y + 0.8)])
    assert rows.size and rows.max() < 0.5
    assert 0.2 < columns.min() < columns.max() < 0.8
    rows, _ = under([(left, y + h - 0.8), (left, y + h / 2), (right, y + h / 2),
                     (right, y + h - 0.8)])
    assert rows.size and rows.min() > 0.5
    assert not under([(left, y + 0.8), (right, y + 0.8), (left + 0.5, y + h - 1.5)])[0].size
    assert not under([(right, y + 0.8), (right, y + h / 2)],
                     [(x + cell * 1.3, y + 0.8), (x + cell * 1.3, y + h / 2)])[0].size


@pytest.mark.parametrize(("key", "row", "boxes", "struck"), [
    ("clinic_code", 0, STRIKE_CELLS - 0.3, False),
    ("clinic_code", 0, STRIKE_CELLS + 0.3, True),
    ("vaccination_date", 1, 1.5, False),  # a month: 0.9 of its two boxes is 1.8
    ("vaccination_date", 1, 1.9, True),
])
def test_a_strike_is_a_run_through_two_boxes_or_nearly_all_of_a_shorter_row(
        forms: dict[str, FormSpec], key: str, row: int, boxes: float, struck: bool) -> None:
    """One straight line through the middle of an empty row, a little short of the length a
    strike must have and a little past it."""
    spec = forms["child"]
    page = np.array(blank_page(spec, 300))
    digits = spec.field(key).digit_rows[row]
    x, y, w, h = box_to_px(digits.box, 300)
    cell = w / digits.chars
    cv2.line(page, (x + 5, y + h // 2), (x + 5 + round(boxes * cell), y + h // 2), 40, 3)
    assert _struck(_row_ink(page, digits.box, digits.chars, 300), 300) is struck


def test_a_digit_whose_stroke_lay_on_a_line_reads_otherwise_with_the_line_put_back(
        forms: dict[str, FormSpec]) -> None:
    """Clinic code 1219900011 (development seed 17029, page 92): the fourth box's 9 has its
    stem on the line beside it. Without the line it is a 1 to every recogniser (1211900011,
    confirmed by Tesseract); with the stretch of line it touches put back it is a 9 again.
    The two cuts differ, so the code is not sure."""
    page, field = field_on_blank(forms["child"], "clinic_code",
                                 "clinic-code-child-1219900011.png")
    row = field.digit_rows[0]
    cut = _cell_glyphs(page, row.box, row.chars, 300)
    assert cut.along
    seen = _as_seen_strip(cut.glyphs)
    reading = ppocr.read_line(seen, DIGITS)
    assert reading.text == "1211900011"
    assert _confirmed(reading, cut.glyphs, seen, single=False) is not None
    restored = _restored_glyphs(cut.row_ink, 300)
    assert restored is not None
    assert ppocr.read_line(_as_seen_strip(restored), DIGITS).text == "1219900011"
    value, confidence = read_digits(page, field, 300)
    assert value == "1211900011"
    assert confidence < ACCEPT


@pytest.mark.parametrize("dpi", DPIS)
def test_digits_sitting_on_the_bottom_line_or_reaching_the_top_one_are_not_along_it(
        boxed_covid: FormSpec, dpi: int) -> None:
    """Writing that touches the row's bottom line from above (a 2's base on it) or its top
    line from below (a 7's bar under it) touches one side only."""
    row = boxed_covid.field("vaccination_date").digit_rows[0]
    x, y, w, h = row.box
    cell = w / row.chars
    page = page_of(boxed_covid, dpi)
    pen = Pen(page, dpi, width_mm=0.5)
    pen.polyline([(x + cell * 0.25, y + 1.5), (x + cell * 0.7, y + 1.5),
                  (x + cell * 0.25, y + h - 0.5), (x + cell * 0.8, y + h - 0.5)])
    pen.polyline([(x + cell * 1.2, y + 0.5), (x + cell * 1.8, y + 0.5),
                  (x + cell * 1.4, y + h - 1.5)])
    assert not _cell_glyphs(page, row.box, row.chars, dpi).along


def _loop(pen: Pen, cx: float, cy: float, rx: float, ry: float) -> None:
    """A handwritten 0 as a closed loop of 24 strokes round (cx, cy), in mm."""
    steps = [2 * np.pi * index / 24 for index in range(25)]
    pen.polyline([(cx + rx * np.cos(t), cy + ry * np.sin(t)) for t in steps])


@pytest.mark.parametrize("dpi", DPIS)
def test_a_digit_written_across_a_box_line_is_never_sure(boxed_covid: FormSpec, dpi: int) -> None:
    """A digit written over the line between two boxes, or over the row's last line, is cut
    where its box ends: the piece left in the box reads as another digit (an 8 over the
    last line as 1) alike for both recognisers. The same digit inside its box is sure."""
    field = boxed_covid.field("vaccination_date")
    row = field.digit_rows[-1]
    x, y, w, h = row.box
    cell = w / row.chars
    for centre in (x + cell * 0.5, x + cell * 1.5):
        page = page_of(boxed_covid, dpi)
        _loop(Pen(page, dpi), centre, y + h / 2, cell * 0.25, h * 0.3)
        assert not _cell_glyphs(page, row.box, row.chars, dpi).clipped, centre
    for centre in (x + cell, x + w):
        page = page_of(boxed_covid, dpi)
        _loop(Pen(page, dpi), centre, y + h / 2, cell * 0.25, h * 0.3)
        assert _cell_glyphs(page, row.box, row.chars, dpi).clipped, centre


@pytest.mark.parametrize("dpi", DPIS)
def test_a_row_with_a_digit_across_a_line_is_also_cut_where_its_digits_stand(
        boxed_covid: FormSpec, dpi: int) -> None:
    """Where a box clips a glyph, the row's writing is cut again where it stands: a digit
    over the line between two boxes, which runs beside the line, is one glyph whole with
    the line put back inside it, beside the others; a digit over the row's last line, its
    rest outside the row, gives no such cut, with the line it touches put back or not."""
    row = boxed_covid.field("vaccination_date").digit_rows[0]
    x, y, w, h = row.box
    cell = w / row.chars
    page = page_of(boxed_covid, dpi)
    for centre in (0.35, 1.0, 2.5, 3.5):
        _loop(Pen(page, dpi), x + cell * centre, y + h / 2, cell * 0.25, h * 0.3)
    cut = _cell_glyphs(page, row.box, row.chars, dpi)
    assert cut.clipped and cut.along
    restored = _restored_glyphs(cut.row_ink, dpi)
    assert restored is not None and len(restored) == row.chars
    widths = [ink.shape[1] for ink, _ in restored]
    assert min(widths) >= 0.8 * max(widths)  # the digit across the line is not cut in half
    page = page_of(boxed_covid, dpi)
    for centre in (0.5, 1.5, 2.5, row.chars):
        _loop(Pen(page, dpi), x + cell * centre, y + h / 2, cell * 0.25, h * 0.3)
    cut = _cell_glyphs(page, row.box, row.chars, dpi)
    assert cut.clipped and cut.whole is None
    assert _restored_glyphs(cut.row_ink, dpi) is None
