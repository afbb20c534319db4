"""The blank form: drawn from the field map, A4, with its QR and marks."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from pdf2image import convert_from_path

from ocr import load_forms, read_page
from samples.blank_form import build_blank_form


def _qr_text(image: np.ndarray) -> str:
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    return text


@pytest.mark.parametrize(("form_id", "payload"), [("covid19", "YOSHIN:covid19:2"),
                                                  ("influenza", "YOSHIN:influenza:1")])
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


@pytest.mark.parametrize("form_id", ["covid19", "influenza"])
def test_the_committed_pdf_reads_as_an_empty_form(forms_dir: Path, form_id: str) -> None:
    forms = load_forms(forms_dir)
    page = convert_from_path(str(forms_dir / f"{form_id}.pdf"), dpi=300, grayscale=True)[0]
    reading = read_page(np.asarray(page), forms)
    assert reading.fit_error_px < 2
    assert {field.value for field in reading.fields.values()} <= {"", "false"}
    assert min(field.confidence for field in reading.fields.values()) > 0.9
