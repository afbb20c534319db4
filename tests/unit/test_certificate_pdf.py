"""The printed certificate: one page, every dose and the holder's identity readable as text,
the QR decodable from a 200 dpi rendering, and no name in the PDF's metadata."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import time
from datetime import date

import numpy as np
import pypdf
import pytest
import segno
import zxingcpp
from pdf2image import convert_from_bytes

from ledger.certificates.content import CertificateContent, DoseLine
from ledger.certificates.pdf import render_pdf

DIGITS = "56" * 1150  # version 22, the largest a SMART Health Card QR may be
LONG_KANJI_NAME = "勅使河原佐々木長谷川 五十嵐小比類巻美智子"  # 20 kanji
LONG_CLINIC = "医療法人社団健康会東京都千代田区神田駿河台中央総合内科小児科クリニック"
LOTS = ("FN9605", "FP9647", "EY0573-X", "AB1234CD5678")


def _dose(number: int, lot: str, place_ja: str) -> DoseLine:
    return DoseLine(
        dose_number=number, vaccinated_on=date(2021, 6 + number, 10 + number), vaccine="pfizer",
        vaccine_ja="新型コロナウイルス感染症ワクチン", vaccine_en="COVID-19 vaccine",
        product="Comirnaty", manufacturer_ja="ファイザー株式会社", manufacturer_en="Pfizer Inc.",
        cvx="208", lot_number=lot, place_ja=place_ja, place_en="Kanda Surugadai Clinic & Co.",
    )


@pytest.fixture(scope="module")
def content() -> CertificateContent:
    return CertificateContent(
        certificate_id="YS-2026-000123", issued_on=date(2026, 1, 15),
        issuer_ja="千代田区長", issuer_en="Mayor of Chiyoda City",
        name=LONG_KANJI_NAME, family_name_romaji="Teshigawarasasakihasegawa",
        given_name_romaji="Ikarashikohiruimakimichiko",
        birth_date=date(1980, 2, 29), passport_number="TR1234567", nationality="JPN",
        doses=tuple(_dose(n, lot, LONG_CLINIC if n % 2 else "千代田区")
                    for n, lot in enumerate(LOTS, start=1)),
    )


@pytest.fixture(scope="module")
def qr() -> segno.QRCode:
    code = segno.make_qr([("shc:/", segno.consts.MODE_BYTE), (DIGITS, segno.consts.MODE_NUMERIC)],
                         error="l", boost_error=False)
    assert code.version == 22
    return code


@pytest.fixture(scope="module")
def pdf(content: CertificateContent, qr: segno.QRCode) -> bytes:
    return render_pdf(content, qr)


def _text(data: bytes) -> str:
    """Text in drawing order, whitespace removed: a wrapped cell then still reads as one."""
    out = subprocess.run(["pdftotext", "-raw", "-", "-"], input=data, capture_output=True,
                         check=True).stdout.decode()
    return "".join(out.split())


def _squeeze(text: str) -> str:
    return "".join(text.split())


def test_one_page_with_everything_printed(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF")
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1
    text = _text(pdf)
    for expected in (LONG_KANJI_NAME, "TESHIGAWARASASAKIHASEGAWA Ikarashikohiruimakimichiko",
                     "YS-2026-000123", "TR1234567", "JPN", "1980-02-29", "千代田区長",
                     LONG_CLINIC, "Kanda Surugadai Clinic & Co.", *LOTS):
        assert _squeeze(expected) in text, expected


def test_every_font_is_embedded(pdf: bytes) -> None:
    """A viewer without IPA fonts must still show the kanji."""
    fonts = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    assert fonts
    for font in fonts.values():
        assert "/FontFile2" in font.get_object()["/FontDescriptor"]


def test_qr_decodes_from_the_printed_page(pdf: bytes) -> None:
    page = convert_from_bytes(pdf, dpi=200, first_page=1, last_page=1)[0]
    results = zxingcpp.read_barcodes(np.asarray(page.convert("L")),
                                     formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in results] == ["shc:/" + DIGITS]


def test_passport_and_nationality_absent_when_unknown(content: CertificateContent,
                                                      qr: segno.QRCode) -> None:
    text = _text(render_pdf(dataclasses.replace(content, passport_number=None,
                                                nationality=None), qr))
    assert "旅券番号" not in text and "PassportNo." not in text
    assert "国籍" not in text and "Nationality" not in text
    assert _squeeze(LONG_KANJI_NAME) in text


def test_metadata_title_is_the_certificate_id_only(pdf: bytes) -> None:
    meta = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    assert meta.title == "YS-2026-000123"
    values = " ".join(str(v) for v in meta.values())
    for part in ("勅使河原", "Teshigawara", "TESHIGAWARA", "Ikarashi"):
        assert part not in values


def test_same_input_same_bytes_and_fast(content: CertificateContent, qr: segno.QRCode,
                                        pdf: bytes) -> None:
    started = time.perf_counter()
    again = render_pdf(content, qr)
    assert time.perf_counter() - started < 0.5  # generous for loaded CI; ~0.1 s measured
    assert again == pdf
