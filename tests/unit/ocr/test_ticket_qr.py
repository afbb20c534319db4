"""The 接種券's own QR code is read beside its printed OCR line (ocr.ocrline)."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from ocr import FormSpec, PageReading, ocrline
from ocr.cleanup import crop
from ocr.geometry import box_to_px
from ocr.ocrline import QR_ALONE, QR_REACH_MM, _sticker_qr, read_ocr_line
from samples.filler import TICKET_QR_SHARE


def _ticketed(readings: list[tuple[dict, PageReading]], with_qr: bool
              ) -> list[tuple[dict, PageReading]]:
    return [(truth, reading) for truth, reading in readings
            if truth["fields"].get("ticket_number") and
            (random.Random(truth["fields"]["ticket_number"]).random() < TICKET_QR_SHARE)
            == with_qr]


def _covered(reading: PageReading, box: tuple[float, float, float, float]) -> np.ndarray:
    page = reading.registered.copy()
    x, y, w, h = box_to_px(box, reading.dpi)
    page[y:y + h, x:x + w] = 255
    return page


def test_a_ticket_with_a_qr_is_read_sure_from_it_even_with_its_line_covered(
        readings: list[tuple[dict, PageReading]], forms: dict[str, FormSpec]) -> None:
    field = next(f for f in forms["covid19"].fields if f.key == "ticket_line")
    found = _ticketed(readings, with_qr=True)
    assert found, "the set has no ticket with a QR"
    for truth, reading in found:
        assert read_ocr_line(reading.registered, field, reading.dpi) == (
            truth["fields"]["ticket_line"], 1.0)
        covered = _covered(reading, field.box)
        assert read_ocr_line(covered, field, reading.dpi) == (
            truth["fields"]["ticket_line"], QR_ALONE)


def test_a_ticket_without_a_qr_is_read_from_its_line_alone(
        readings: list[tuple[dict, PageReading]], forms: dict[str, FormSpec]) -> None:
    field = next(f for f in forms["covid19"].fields if f.key == "ticket_line")
    found = _ticketed(readings, with_qr=False)
    assert found, "the set has no ticket without a QR"
    for _, reading in found:
        value, confidence = read_ocr_line(_covered(reading, field.box), field, reading.dpi)
        assert value == "" and confidence < 1.0


def _half_resolution(page: np.ndarray) -> np.ndarray:
    """The page as a 150 dpi scan drawn back at 300 dpi: each QR module a blur of 2 px."""
    half = cv2.resize(page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    return cv2.resize(half, page.shape[::-1], interpolation=cv2.INTER_LINEAR)


def test_a_qr_too_fine_to_decode_where_it_is_found_is_decoded_enlarged(
        readings: list[tuple[dict, PageReading]], forms: dict[str, FormSpec]) -> None:
    field = next(f for f in forms["covid19"].fields if f.key == "ticket_line")
    x, y, w, h = field.box
    enlarged = []
    for truth, reading in _ticketed(readings, with_qr=True):
        page = _half_resolution(reading.registered)
        window = crop(page, box_to_px((x - QR_REACH_MM[0], y - QR_REACH_MM[1],
                                       w + 2 * QR_REACH_MM[0], h + QR_REACH_MM[1]), reading.dpi))
        if not cv2.QRCodeDetectorAruco().detectAndDecode(window)[0]:
            enlarged.append((_sticker_qr(page, field, reading.dpi), truth["fields"]["ticket_line"]))
    assert any(read == written for read, written in enlarged), enlarged
    assert all(read in (None, written) for read, written in enlarged), enlarged


def test_tesseract_is_not_asked_where_the_line_reads_as_its_qr(
        readings: list[tuple[dict, PageReading]], forms: dict[str, FormSpec],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """PP-OCR and the QR agreeing make the value sure whatever Tesseract would read."""
    field = next(f for f in forms["covid19"].fields if f.key == "ticket_line")
    asked = []
    real = ocrline._read
    monkeypatch.setattr(ocrline, "_read", lambda *args: asked.append(args) or real(*args))
    found = _ticketed(readings, with_qr=True)
    for truth, reading in found:
        assert read_ocr_line(reading.registered, field, reading.dpi) == (
            truth["fields"]["ticket_line"], 1.0)
    assert found and not asked
    for _, reading in _ticketed(readings, with_qr=False):
        read_ocr_line(reading.registered, field, reading.dpi)
    assert asked, "a line without a QR is cross-checked by Tesseract"
