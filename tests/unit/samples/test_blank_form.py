"""The blank form: drawn from the field map, A4, with its QR and marks; earlier printings
(the QR nearer the edge) still read."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import segno
from pdf2image import convert_from_path

from ocr import load_forms, read_page
from ocr.geometry import mm_to_px
from ocr.registration import register
from samples.blank_form import build_blank_form
from tests.unit.ocr.images import boxed as boxed_printing
from tests.unit.ocr.images import date_written

QUIET_ZONE_MODULES = 4
MIN_EDGE_MM = 10.0
"""A sheet fed or laid up to this far off the scan area keeps the QR and its quiet zone
(the first printing's QR began 6 mm from the top edge, its quiet zone 3 mm)."""


def _qr_text(image: np.ndarray) -> str:
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return text


@pytest.mark.parametrize(("form_id", "payload"), [("covid19", "YOSHIN:covid19:4"),
                                                  ("influenza", "YOSHIN:influenza:3"),
                                                  ("child", "YOSHIN:child:2"),
                                                  ("elderly", "YOSHIN:elderly:2")])
def test_the_blank_form_is_an_a4_page_with_its_qr(forms_dir: Path, tmp_path: Path, form_id: str,
                                                  payload: str) -> None:
    spec = load_forms(forms_dir)[form_id]
    built = tmp_path / f"{form_id}.pdf"
    build_blank_form(spec, built)
    for pdf in (built, forms_dir / f"{form_id}.pdf"):
        pages = convert_from_path(str(pdf), dpi=150, grayscale=True)
        assert len(pages) == 1
        width, height = pages[0].size
        assert abs(width - 1240) <= 1 and abs(height - 1754) <= 1
        assert _qr_text(np.asarray(pages[0])) == payload


@pytest.mark.parametrize("form_id", ["covid19", "influenza", "child", "elderly"])
def test_the_committed_pdfs_are_the_field_maps_printings(forms_dir: Path, tmp_path: Path,
                                                         form_id: str) -> None:
    """The reader takes the committed PDF's print away from a page of that printing: a PDF
    left behind by a change of the field map would have it take away the wrong print."""
    spec = load_forms(forms_dir)[form_id]
    assert spec.earlier
    for printing in spec.printings:
        assert printing.blank_pdf is not None
        built = tmp_path / printing.blank_pdf.name
        build_blank_form(printing, built)
        assert built.read_bytes() == printing.blank_pdf.read_bytes()
        page = convert_from_path(str(built), dpi=150, grayscale=True)[0]
        assert _qr_text(np.asarray(page)) == printing.qr_payload


def test_the_vaccination_date_is_underlined_and_earlier_printings_keep_their_boxes(
        forms_dir: Path) -> None:
    """Only the vaccination date changed between the printings: a page of the earlier one
    is read with its boxes, whose lines must be taken away, and with its own print."""
    for spec in load_forms(forms_dir).values():
        assert spec.field("vaccination_date").underline
        for printing in spec.printings[1:]:
            assert [field.key for field in printing.fields
                    if field != spec.field(field.key)] == ["vaccination_date"]
            assert not printing.field("vaccination_date").underline
            assert printing.blank_pdf == forms_dir / f"{spec.form_id}.v{printing.version}.pdf"


@pytest.mark.parametrize("form_id", ["covid19", "influenza", "child", "elderly"])
def test_the_committed_pdf_reads_as_an_empty_form(forms_dir: Path, form_id: str) -> None:
    forms = load_forms(forms_dir)
    page = convert_from_path(str(forms_dir / f"{form_id}.pdf"), dpi=300, grayscale=True)[0]
    reading = read_page(np.asarray(page), forms)
    assert reading.fit_error_px < 2
    assert {field.value for field in reading.fields.values()} <= {"", "false"}
    assert min(field.confidence for field in reading.fields.values()) > 0.9


@pytest.mark.parametrize("form_id", ["covid19", "influenza"])
def test_the_qr_lies_away_from_the_edge_with_a_clear_quiet_zone(forms_dir: Path,
                                                                form_id: str) -> None:
    spec = load_forms(forms_dir)[form_id]
    x, y, w, h = spec.qr
    width, height = spec.page_mm
    assert min(x, y, width - x - w, height - y - h) >= MIN_EDGE_MM
    page = np.asarray(convert_from_path(str(forms_dir / f"{form_id}.pdf"), dpi=300,
                                        grayscale=True)[0])
    zone = w / len(segno.make(spec.qr_payload, error="m", micro=False).matrix) * QUIET_ZONE_MODULES
    around = [round(mm_to_px(v, 300)) for v in (x - zone, y - zone, x + w + zone, y + h + zone)]
    inside = [round(mm_to_px(v, 300)) for v in (x, y, x + w, y + h)]
    ring = page[around[1]:around[3], around[0]:around[2]].copy()
    ring[inside[1] - around[1] - 2:inside[3] - around[1] + 2,
         inside[0] - around[0] - 2:inside[2] - around[0] + 2] = 255
    assert ring.min() > 200


@pytest.mark.parametrize("form_id", ["covid19", "influenza"])
def test_pages_of_the_earlier_printing_register_as_that_printing(
        forms_dir: Path, tmp_path: Path, form_id: str) -> None:
    forms = load_forms(forms_dir)
    spec = forms[form_id]
    assert spec.printing(spec.version) is spec
    assert spec.printing(spec.version + 1) is None
    earlier = spec.printing(spec.earlier[-1].version)
    assert earlier is not None and earlier.qr != spec.qr
    pdf = tmp_path / "earlier.pdf"
    build_blank_form(earlier, pdf)
    page = np.array(convert_from_path(str(pdf), dpi=300, grayscale=True)[0])
    registration = register(page, forms, 300)
    assert (registration.spec.form_id, registration.spec.version) == (form_id, earlier.version)
    assert (registration.method, registration.spec.qr) == ("marks", earlier.qr)
    page[:round(mm_to_px(40, 300)), :round(mm_to_px(40, 300))] = 255  # a torn corner
    registration = register(page, forms, 300)
    assert (registration.method, registration.spec.version) == ("content", earlier.version)


def test_a_page_of_the_boxed_printing_is_read_with_its_boxes(forms_dir: Path) -> None:
    """A children's form printed before the vaccination date was underlined: its QR names
    that printing, and the date is read with the boxes' lines taken away. Where the QR is
    not read the page is fitted by its print as the current printing: the boxes' upright
    lines are then read as writing, and the date is no date and not sure."""
    forms = load_forms(forms_dir)
    boxed = boxed_printing(forms["child"])
    page = date_written(boxed, "20250628")  # no 1: see test_underline
    reading = read_page(page, forms)
    assert reading.form_version == boxed.version
    date = reading.fields["vaccination_date"]
    assert (date.value, date.confidence >= 0.9) == ("2025-06-28", True)
    x, y, w, h = (round(mm_to_px(v, 300)) for v in boxed.qr)
    page[y - 40:y + h + 40, x - 40:x + w + 40] = 255  # the QR cut away
    reading = read_page(page, forms)
    assert (reading.form_version, reading.serial) == (forms["child"].version, "")
    assert reading.fields["vaccination_date"].confidence < 0.9
    assert reading.fields["vaccinator_name"].confidence >= 0.9  # blank, and sure of it
