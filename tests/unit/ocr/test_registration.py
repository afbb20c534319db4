"""Registration of damaged pages: a covered QR, a lost corner mark, a page shifted off the
scan, a phone photo's perspective, a page fed upside down. Each must land on the right form
with every field within 1 mm of where an undamaged scan of the same page puts it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest
from pdf2image import convert_from_bytes, convert_from_path
from PIL import Image, ImageDraw, ImageFont

from notices.pdf import Person, personal_form
from ocr.errors import RegistrationError
from ocr.fieldmap import FormSpec, load_forms
from ocr.geometry import mm_to_px
from ocr.registration import Registration, register
from samples.blank_form import FORMS_DIR
from samples.fonts import IPA_GOTHIC
from samples.generate import generate_set, read_image

DPI = 300
TOLERANCE_MM = 1.0
SEED = 5150

Damage = Callable[[np.ndarray, Registration, np.random.Generator], tuple[np.ndarray, np.ndarray]]
"""Page and its undamaged registration in; damaged page and the map scan → damaged scan out."""


@pytest.fixture(scope="module")
def forms() -> dict[str, FormSpec]:
    return load_forms(FORMS_DIR)


def _page(directory: Path, quality: str, form: str) -> np.ndarray:
    generated = generate_set(directory, 1, SEED, quality=quality, form=form)
    return read_image(generated.pages[0])


@pytest.fixture(scope="module")
def covid_page(tmp_path_factory: pytest.TempPathFactory, forms: dict[str, FormSpec]
               ) -> tuple[np.ndarray, Registration]:
    page = _page(tmp_path_factory.mktemp("covid"), "office", "covid19")
    reference = register(page, forms, DPI)
    assert reference.method == "marks"
    return page, reference


@pytest.fixture(scope="module")
def influenza_page(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    return _page(tmp_path_factory.mktemp("influenza"), "clean", "influenza")


def _to_scan(reference: Registration, points_mm: list[tuple[float, float]]) -> np.ndarray:
    """Form points (mm) where the undamaged scan shows them."""
    points = np.array([[mm_to_px(x, DPI), mm_to_px(y, DPI)] for x, y in points_mm])
    return cv2.perspectiveTransform(points[None], np.linalg.inv(reference.homography))[0]


def _field_corners(spec: FormSpec) -> list[tuple[float, float]]:
    corners = []
    for field in spec.fields:
        x, y, w, h = field.box
        corners += [(x, y), (x + w, y), (x, y + h), (x + w, y + h)]
    return corners


def _landing_error_mm(reference: Registration, damaged: Registration, damage: np.ndarray
                      ) -> float:
    """Largest distance between where the damaged page's fit and the undamaged page's fit put
    the corners of every field."""
    corners = _field_corners(reference.spec)
    scan = _to_scan(reference, corners)
    moved = cv2.perspectiveTransform(scan[None], damage)[0]
    landed = cv2.perspectiveTransform(moved[None], damaged.homography)[0]
    expected = np.array([[mm_to_px(x, DPI), mm_to_px(y, DPI)] for x, y in corners])
    return float(np.max(np.linalg.norm(landed - expected, axis=1))) * 25.4 / DPI


def _cover_qr(page: np.ndarray, reference: Registration, rng: np.random.Generator
              ) -> tuple[np.ndarray, np.ndarray]:
    """A reception stamp (a solid gray blot) over the QR and its quiet zone."""
    x, y, w, h = reference.spec.qr
    blot = _to_scan(reference, [(x - 2, y - 2), (x + w + 2, y - 2), (x + w + 2, y + h + 2),
                                (x - 2, y + h + 2)])
    covered = page.copy()
    cv2.fillConvexPoly(covered, np.round(blot).astype(np.int32), int(rng.integers(90, 160)))
    return covered, np.eye(3)


def _cut_corner(page: np.ndarray, reference: Registration, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
    """A corner torn off diagonally, taking its mark with it."""
    width, height = reference.spec.page_mm
    corner = int(rng.integers(4))
    cx, cy = [(0, 0), (width, 0), (0, height), (width, height)][corner]
    sx, sy = (1 if cx == 0 else -1), (1 if cy == 0 else -1)
    torn = _to_scan(reference, [(cx - sx * 20, cy - sy * 20), (cx + sx * 55, cy - sy * 20),
                                (cx - sx * 20, cy + sy * 55)])
    cut = page.copy()
    cv2.fillConvexPoly(cut, np.round(torn).astype(np.int32), 255)
    return cut, np.eye(3)


def _shift_qr_half_off(page: np.ndarray, reference: Registration, rng: np.random.Generator
                       ) -> tuple[np.ndarray, np.ndarray]:
    """The scan ends half-way through the QR (and so above the top marks)."""
    x, y, w, h = reference.spec.qr
    middle, bottom = _to_scan(reference, [(x + w / 2, y + h / 2), (x + w / 2, 280.0)])
    cut = int(middle[1])
    if bottom[1] > middle[1]:  # upright: the top of the sheet is lost
        return page[cut:].copy(), np.array([[1.0, 0, 0], [0, 1, -cut], [0, 0, 1]])
    return page[:cut].copy(), np.eye(3)


def _perspective(page: np.ndarray, reference: Registration, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray]:
    """A phone photo's perspective: each image corner moved by 3-5 % of the image size."""
    height, width = page.shape
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    amount = rng.uniform(0.03, 0.05, size=4) * max(width, height)
    angle = rng.uniform(0, 2 * np.pi, size=4)
    moved = corners + np.stack([amount * np.cos(angle), amount * np.sin(angle)], 1)
    matrix = cv2.getPerspectiveTransform(corners, moved.astype(np.float32))
    warped = cv2.warpPerspective(page, matrix, (width, height), borderMode=cv2.BORDER_CONSTANT,
                                 borderValue=120)
    return warped, matrix


def _rotate_180(page: np.ndarray, reference: Registration, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray]:
    height, width = page.shape
    return cv2.rotate(page, cv2.ROTATE_180), np.array([[-1.0, 0, width - 1],
                                                       [0, -1, height - 1], [0, 0, 1]])


def _rotated_and_covered(page: np.ndarray, reference: Registration, rng: np.random.Generator
                         ) -> tuple[np.ndarray, np.ndarray]:
    covered, _ = _cover_qr(page, reference, rng)
    return _rotate_180(covered, reference, rng)


@pytest.mark.parametrize(("damage", "method"), [
    (_cover_qr, "content"), (_cut_corner, "content"), (_shift_qr_half_off, "content"),
    (_perspective, None), (_rotate_180, "marks"), (_rotated_and_covered, "content")])
def test_a_damaged_page_registers_with_every_field_within_1_mm(
        covid_page: tuple[np.ndarray, Registration], forms: dict[str, FormSpec], damage: Damage,
        method: str | None) -> None:
    page, reference = covid_page
    damaged, matrix = damage(page, reference, np.random.default_rng(11))
    registration = register(damaged, forms, DPI)
    assert registration.spec.form_id == "covid19"
    assert method is None or registration.method == method
    assert _landing_error_mm(reference, registration, matrix) < TOLERANCE_MM


def test_the_forms_are_told_apart_by_their_print(influenza_page: np.ndarray,
                                                 forms: dict[str, FormSpec]) -> None:
    reference = register(influenza_page, forms, DPI)
    covered, _ = _cover_qr(influenza_page, reference, np.random.default_rng(3))
    registration = register(covered, forms, DPI)
    assert (registration.spec.form_id, registration.method) == ("influenza", "content")
    assert _landing_error_mm(reference, registration, np.eye(3)) < TOLERANCE_MM


def test_a_form_that_only_shares_the_layout_is_not_taken_for_a_known_one(
        influenza_page: np.ndarray, forms: dict[str, FormSpec]) -> None:
    reference = register(influenza_page, forms, DPI)
    covered, _ = _cover_qr(influenza_page, reference, np.random.default_rng(3))
    with pytest.raises(RegistrationError, match="could not be fitted onto form covid19"):
        register(covered, {"covid19": forms["covid19"]}, DPI)


def _text_document(seed: int) -> np.ndarray:
    """A page of printed Japanese text and a few boxes: some other document."""
    rng = np.random.default_rng(seed)
    image = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(IPA_GOTHIC), 40)
    characters = [chr(code) for code in range(0x4E00, 0x4E00 + 2000)]
    y = 200
    while y < 3300:
        draw.text((200, y), "".join(rng.choice(characters, size=int(rng.integers(20, 45)))),
                  font=font, fill=0)
        y += int(rng.integers(60, 120))
        if rng.random() < 0.1:
            draw.rectangle((200, y, 2200, y + 150), outline=0, width=4)
            y += 200
    return np.asarray(image)


def test_another_document_fails_with_a_reason(forms: dict[str, FormSpec]) -> None:
    with pytest.raises(RegistrationError, match="no form QR code found, and the printed content "
                                                "matches no known form"):
        register(_text_document(1), forms, DPI)


def test_a_lost_mark_is_named(covid_page: tuple[np.ndarray, Registration],
                              forms: dict[str, FormSpec]) -> None:
    """When neither the marks nor the print fit, the message says which marks were missing."""
    page, reference = covid_page
    torn, _ = _cut_corner(page, reference, np.random.default_rng(0))
    x, y, w, h = reference.spec.qr
    keep = _to_scan(reference, [(x - 3, y - 3), (x + w + 3, y + h + 3)])
    left, top = np.floor(keep.min(axis=0)).astype(int)
    right, bottom = np.ceil(keep.max(axis=0)).astype(int)
    only_qr = np.full_like(torn, 255)
    only_qr[top:bottom, left:right] = torn[top:bottom, left:right]
    with pytest.raises(RegistrationError, match=r"corner marks not found \(top-left, top-right, "
                                                r"bottom-left, bottom-right\), and "):
        register(only_qr, forms, DPI)


def test_a_folded_page_fails_with_a_reason(covid_page: tuple[np.ndarray, Registration],
                                          forms: dict[str, FormSpec]) -> None:
    """The lower half 4 mm off the upper: no single fit places both halves' fields."""
    page, reference = covid_page
    middle, bottom = _to_scan(reference, [(105.0, 150.0), (105.0, 280.0)])
    fold = round(mm_to_px(4.0, DPI)) * (1 if bottom[1] > middle[1] else -1)
    folded = page.copy()
    cut = int(middle[1])
    if fold > 0:
        folded[cut + fold:] = page[cut:page.shape[0] - fold]
    else:
        folded[:cut + fold] = page[-fold:cut]
    with pytest.raises(RegistrationError, match="folded"):
        register(folded, forms, DPI)


def test_a_page_cut_through_its_fields_fails_naming_them(
        covid_page: tuple[np.ndarray, Registration], forms: dict[str, FormSpec]) -> None:
    """Fields the scan does not hold would read as sure blanks: the page is sent back."""
    page, reference = covid_page
    top, bottom = _to_scan(reference, [(105.0, 0.0), (105.0, 240.0)])
    cut = int(bottom[1])
    half = page[:cut] if top[1] < bottom[1] else page[cut:]
    with pytest.raises(RegistrationError, match=r"the scan misses part of form covid19 \(\d+ "
                                                r"fields, "):
        register(half.copy(), forms, DPI)


def _stamped_over_qr(page: np.ndarray, spec: FormSpec) -> np.ndarray:
    """`page` with a reception stamp's ring and bar across the lower part of its QR."""
    x, y, w, h = spec.qr
    ink = np.full_like(page, 255)
    centre = (round(mm_to_px(x + w / 2, DPI)), round(mm_to_px(y + h * 0.7, DPI)))
    cv2.circle(ink, centre, round(mm_to_px(9, DPI)), 150, 12)
    cv2.line(ink, (centre[0] - 90, centre[1] + 30), (centre[0] + 90, centre[1] + 30), 150, 12)
    return np.minimum(page, ink)


def test_a_personal_form_fitted_by_its_print_keeps_its_serial(forms: dict[str, FormSpec]
                                                              ) -> None:
    """A reception stamp across a personal form's QR hides it from the reading at a glance,
    so the page is fitted by its print; its QR, read again upright at full size on the
    fitted page, still gives the serial that names the person."""
    spec = forms["child"]
    assert spec.blank_pdf is not None
    person = Person("1234567890", "山田 花子", "ヤマダ ハナコ", date(2024, 5, 1), "female",
                    "千葉県松戸市根本387番地の5")
    pdf = personal_form(spec, spec.blank_pdf, person, "ABCDEFGHJKLMNPQR", 1)
    page = np.array(convert_from_bytes(pdf, dpi=DPI, grayscale=True)[0])
    registration = register(_stamped_over_qr(page, spec), forms, DPI)
    assert registration.method == "content"
    assert registration.qr_text == "YOSHIN:child:2:ABCDEFGHJKLMNPQR"


def test_a_page_fitted_by_its_print_is_read_as_the_printing_its_qr_names(
        forms: dict[str, FormSpec]) -> None:
    """The same stamp across the QR of a form printed before the vaccination date was
    underlined: the page is fitted by its print, and the QR read on the fitted page names
    the earlier printing, whose boxed date is read with its boxes."""
    spec = forms["child"]
    earlier = spec.printings[1]
    assert earlier.blank_pdf is not None
    page = np.array(convert_from_path(str(earlier.blank_pdf), dpi=DPI, grayscale=True)[0])
    registration = register(_stamped_over_qr(page, earlier), forms, DPI)
    assert registration.method == "content"
    assert registration.qr_text == earlier.qr_payload
    assert registration.spec.version == earlier.version
    assert not registration.spec.field("vaccination_date").underline
