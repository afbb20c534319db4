"""The broader generator: hands, pens, marks people make, damaged paper, phone photos."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr import load_forms
from ocr.geometry import mm_to_px
from samples import damage
from samples.blank_form import FORMS_DIR
from samples.fonts import HANDWRITING, PRINTED, covers
from samples.generate import DPI, GeneratedSet, _blank_raster, generate_set, load_truth
from samples.hands import Pen, draw_hand
from samples.inks import INKS, lay_down
from samples.marks import HABITS, Marker, OptionArea
from samples.scanner import A4_MM, QUALITIES, draw_params, shifted_off_edge

PX_PER_MM = mm_to_px(1.0, DPI)
BOX = (40.0, 40.0, 5.0, 5.0)
LABEL = (46.0, 40.75, 10.6, 3.5)
"""An option as the form prints it: a 5 mm box and, 1 mm to its right, a 3-character label."""


def _px(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    return tuple(value * PX_PER_MM for value in box)


def _marked(style: str, seed: int) -> np.ndarray:
    layer = Image.new("L", (round(80 * PX_PER_MM), round(80 * PX_PER_MM)), 0)
    marker = Marker(ImageDraw.Draw(layer), random.Random(seed), PX_PER_MM,
                    round(mm_to_px(0.5, DPI)))
    marker.mark(OptionArea(_px(BOX), _px(LABEL)), style)
    return np.asarray(layer)


def _ink_in(coverage: np.ndarray, box: tuple[float, float, float, float]) -> int:
    x, y, w, h = (round(value) for value in _px(box))
    return int(np.count_nonzero(coverage[y:y + h, x:x + w]))


@pytest.mark.parametrize("seed", range(30))
def test_a_circled_label_puts_ink_round_the_label_and_none_in_the_box(seed: int) -> None:
    coverage = _marked("circle_label", seed)
    assert _ink_in(coverage, BOX) == 0
    around = (LABEL[0] - 1.0, LABEL[1] - 2.5, LABEL[2] + 3.0, LABEL[3] + 5.0)
    assert _ink_in(coverage, around) > 0.9 * np.count_nonzero(coverage) > 0


@pytest.mark.parametrize("seed", range(6))
def test_box_and_label_circled_together_leave_ink_on_both_sides(seed: int) -> None:
    coverage = _marked("circle_both", seed)
    left_of_box = (BOX[0] - 3.0, BOX[1], 2.8, BOX[3])
    right_of_label = (LABEL[0] + LABEL[2], BOX[1], 3.0, BOX[3])
    assert _ink_in(coverage, left_of_box) > 0 and _ink_in(coverage, right_of_label) > 0


@pytest.mark.parametrize("style", ["tick", "cross", "fill", "circle_in"])
def test_usual_marks_stay_in_the_box(style: str) -> None:
    coverage = _marked(style, 1)
    grown = (BOX[0] - 0.6, BOX[1] - 0.6, BOX[2] + 1.2, BOX[3] + 1.2)
    assert _ink_in(coverage, grown) == np.count_nonzero(coverage) > 0


def test_an_overrunning_tick_leaves_the_box() -> None:
    coverage = _marked("tick_over", 2)
    assert _ink_in(coverage, BOX) < np.count_nonzero(coverage)


def test_pencil_is_lighter_and_grainier_than_black_ballpoint() -> None:
    paper = np.full((200, 200), 250, np.uint8)
    coverage = np.zeros_like(paper)
    cv2.line(coverage, (20, 100), (180, 100), 255, 6)
    inks = {ink.name: ink for ink in INKS}
    black = lay_down(paper, coverage, inks["black"], inks["black"].levels[1], 1)
    pencil = lay_down(paper, coverage, inks["pencil"], inks["pencil"].levels[0], 1)
    stroke = coverage == 255
    assert pencil[stroke].mean() > black[stroke].mean() + 60
    assert pencil[stroke].std() > black[stroke].std() + 5
    assert (pencil[~stroke] == paper[~stroke]).all()


def test_a_slanted_hand_leans_to_the_right() -> None:
    """The top of an upright stroke moves right of its foot when the hand slants."""
    def centres(slant: float) -> tuple[float, float]:
        layer = Image.new("L", (200, 200), 0)
        hand = dataclasses.replace(draw_hand(random.Random(0)), slant=slant)
        Pen(layer, hand, random.Random(0), PX_PER_MM, 0).glyph("I", PRINTED[0], 120, 70,
                                                                 100, 0.0)
        ys, xs = np.nonzero(np.asarray(layer))
        middle = ys.mean()
        return xs[ys < middle].mean(), xs[ys > middle].mean(), ys.max() - ys.min()

    top, foot, height = centres(0.3)
    upright_top, upright_foot, _ = centres(0.0)
    assert abs(upright_top - upright_foot) < 2
    assert top - foot > 0.3 * height * 0.4


@pytest.mark.parametrize("path", HANDWRITING + PRINTED, ids=lambda path: path.stem)
def test_every_face_writes_digits_and_kana(path: Path) -> None:
    assert covers(path, "0123456789あいうアイウ")


def _damaged(monkeypatch: pytest.MonkeyPatch, seed: int, **rates: float
             ) -> tuple[np.ndarray, np.ndarray, damage.Damage]:
    for name in ("STAMP_RATE", "QR_STAMP_RATE", "SEAL_RATE", "TORN_RATE", "CUT_RATE",
                 "SHIFT_RATE"):
        monkeypatch.setattr(damage, name, rates.get(name, 0.0))
    spec = load_forms(FORMS_DIR)["covid19"]
    blank = np.asarray(_blank_raster("covid19"))
    page, done = damage.damage_page(blank, spec, {"name": "山田 花子"}, random.Random(seed), DPI)
    return blank, page, done


def test_a_stamp_on_the_qr_puts_mid_gray_ink_over_it(monkeypatch: pytest.MonkeyPatch) -> None:
    blank, page, done = _damaged(monkeypatch, 4, QR_STAMP_RATE=1.0)
    spec = load_forms(FORMS_DIR)["covid19"]
    x, y, w, h = (round(value * PX_PER_MM) for value in spec.qr)
    changed = page[y:y + h, x:x + w] < blank[y:y + h, x:x + w]
    assert [event["kind"] for event in done.events] == ["stamp"]
    assert done.events[0]["qr_covered"] > 0 and changed.any()
    new_ink = page[y:y + h, x:x + w][changed]
    assert 60 < np.median(new_ink) < 200


@pytest.mark.parametrize("seed", range(4))
def test_a_torn_corner_takes_part_of_its_corner_mark(monkeypatch: pytest.MonkeyPatch,
                                                     seed: int) -> None:
    _, _, done = _damaged(monkeypatch, seed, TORN_RATE=1.0)
    spec = load_forms(FORMS_DIR)["covid19"]
    event = done.events[0]
    vertical, horizontal = event["corner"].split("-")
    mark = min(spec.marks, key=lambda m: ((m.x < 105) != (horizontal == "left"))
               + ((m.y < 148) != (vertical == "top")))
    half = mark.size / 2
    x, y = round((mark.x - half) * PX_PER_MM), round((mark.y - half) * PX_PER_MM)
    side = round(mark.size * PX_PER_MM)
    assert done.sheet is not None
    assert (done.sheet[y:y + side, x:x + side] == 0).any()
    assert (done.sheet == 255).mean() > 0.95


def test_a_shifted_page_loses_the_qr_quiet_zone() -> None:
    spec = load_forms(FORMS_DIR)["covid19"]
    x, y, w, h = spec.qr
    gaps = {"top": y, "right": A4_MM[0] - x - w, "left": x, "bottom": A4_MM[1] - y - h}
    assert min(gaps, key=gaps.__getitem__) == "top"
    for quality in QUALITIES:
        noise = np.random.default_rng(5)
        params = shifted_off_edge(draw_params(noise, quality), spec.qr, noise)
        margin = params.photo.margin_mm if params.photo else QUALITIES[quality].margin_mm
        top_edge_on_page = -margin - params.shift_mm[1]
        assert y - 2.9 < top_edge_on_page < y + h


@pytest.fixture(scope="session")
def photo_set(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSet:
    return generate_set(tmp_path_factory.mktemp("photo"), 2, 31, quality="photo")


def test_photos_are_perspective_views_of_the_sheet_on_a_desk(photo_set: GeneratedSet) -> None:
    spec = load_forms(FORMS_DIR)["covid19"]
    for path, truth in load_truth(photo_set.directory):
        photo = truth["scan"]["photo"]
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        assert path.suffix == ".jpg" and image.shape[::-1] == tuple(photo["size_px"])
        corners = np.float32(photo["corners_px"])
        top, bottom = corners[1] - corners[0], corners[2] - corners[3]
        left, right = corners[3] - corners[0], corners[2] - corners[1]
        skew = max(np.linalg.norm(top - bottom), np.linalg.norm(left - right))
        assert skew > 0.01 * image.shape[1]
        dpi = truth["scan"]["dpi"]
        size = (round(mm_to_px(A4_MM[0], dpi)), round(mm_to_px(A4_MM[1], dpi)))
        square = np.float32([[0, 0], [size[0], 0], [size[0], size[1]], [0, size[1]]])
        flat = cv2.warpPerspective(image, cv2.getPerspectiveTransform(corners, square), size)
        paper = np.median(flat)
        torn = {event.get("corner") for event in truth["style"]["damage"]}
        for mark in spec.marks:
            name = ("top" if mark.y < 148 else "bottom") + "-" + (
                "left" if mark.x < 105 else "right")
            if name in torn:
                continue
            x, y = round(mm_to_px(mark.x, dpi)), round(mm_to_px(mark.y, dpi))
            assert flat[y - 3:y + 4, x - 3:x + 4].mean() < paper - 60, name


def test_photos_are_reproducible(photo_set: GeneratedSet, tmp_path: Path) -> None:
    again = generate_set(tmp_path, 2, 31, quality="photo")
    for first, second in zip(photo_set.pages, again.pages, strict=True):
        assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("set_name", ["small_set", "mixed_set", "photo_set"])
def test_truth_records_the_styles(set_name: str, request: pytest.FixtureRequest,
                                  forms_dir: Path) -> None:
    generated: GeneratedSet = request.getfixturevalue(set_name)
    forms = load_forms(forms_dir)
    hands = {path.stem for path in HANDWRITING} | {"ipam"}
    for _, truth in load_truth(generated.directory):
        style = truth["style"]
        spec = forms[truth["form"]]
        for writer in ("resident", "staff"):
            assert style[writer]["hand"]["font"] in hands
            assert style[writer]["ink"] in {ink.name for ink in INKS}
            assert style[writer]["mark_habit"] in HABITS
        assert style["print_font"] in {path.stem for path in PRINTED}
        marked = {field.key for field in spec.fields
                  if (field.type == "choice" and truth["fields"][field.key])
                  or (field.type == "check" and truth["fields"][field.key] == "true")}
        assert set(style["marks"]) == marked
        assert set(style["marks"].values()) <= set(HABITS)
        for key, correction in style["corrections"].items():
            assert correction["struck"] != truth["fields"][key]
        assert isinstance(style["damage"], list)


def test_one_seed_writes_the_same_page_whatever_the_scanner(photo_set: GeneratedSet,
                                                            tmp_path: Path) -> None:
    """Writing and damage come from people and paper: a seed scanned at another quality
    carries the same style and fields, so qualities can be compared page for page."""
    scanned = generate_set(tmp_path, 2, 31, quality="office")
    for (_, photo), (_, office) in zip(load_truth(photo_set.directory),
                                       load_truth(scanned.directory), strict=True):
        assert photo["style"] == office["style"] and photo["fields"] == office["fields"]
        assert photo["scan"] != office["scan"]


@pytest.mark.parametrize("seed", range(8))
def test_a_cut_edge_removes_a_crooked_strip_along_one_edge(monkeypatch: pytest.MonkeyPatch,
                                                           seed: int) -> None:
    _, _, done = _damaged(monkeypatch, seed, CUT_RATE=1.0)
    event = done.events[0]
    assert event["kind"] == "cut_edge" and done.sheet is not None
    sheet = done.sheet if event["edge"] in ("top", "bottom") else done.sheet.T
    lost = (sheet == 0).sum(axis=0)
    ends = [round(mm * PX_PER_MM) for mm in event["depth_mm"]]
    assert abs(int(lost[0]) - ends[0]) <= 3 and abs(int(lost[-1]) - ends[1]) <= 3


def test_a_seal_lands_on_the_name_or_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    blank, page, done = _damaged(monkeypatch, 2, SEAL_RATE=1.0)
    (event,) = done.events
    assert event["kind"] == "seal" and {"name", "signature"} & set(event["fields"])
    changed = page < blank
    assert 0 < changed.mean() < 0.01
