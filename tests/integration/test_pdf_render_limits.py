"""The pixel limit holds for what poppler renders, not for what pypdf reads.

pypdf takes the first of two /MediaBox keys and a box's signed width; poppler, which draws
the page, takes the last key and the box's extent. A page that pypdf measures as a form can
be rendered as 151 megapixels (issue 14, item 2): such a page is refused before rendering,
and the upload leaves no row and no file behind.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from intake.errors import UploadRejected
from intake.pages import inspect, rendered_sizes
from models import Batch, Document, Page, Role
from models.db import session_scope
from models.settings import Settings, get_settings
from tests.inprocess import client_as

HUGE = 2950
"""Points: 2950 pt at 300 dpi is 12292 pixels a side, 151 megapixels, past the 120 allowed."""


def raw_pdf(page_entries: bytes) -> bytes:
    """A one-page PDF written byte by byte, so a page dictionary can say what pypdf's
    writer would never write (a key twice)."""
    bodies = [b"<< /Type /Catalog /Pages 2 0 R >>",
              b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              b"<< /Type /Page /Parent 2 0 R " + page_entries + b" >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1))
    out.writelines(b"%010d 00000 n \n" % offset for offset in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(bodies) + 1, xref))
    return out.getvalue()


def _box(side: int) -> bytes:
    return b"[0 0 %d %d]" % (side, side)


def negative_box(side: int) -> bytes:
    """Width negative, height positive: pypdf's width × height is below zero."""
    return raw_pdf(b"/MediaBox [0 0 -%d %d]" % (side, side))


def second_box(side: int) -> bytes:
    """An A4 /MediaBox first (pypdf's), a huge one last (poppler's)."""
    return raw_pdf(b"/MediaBox [0 0 595 842] /MediaBox " + _box(side))


CRAFTED = {"negative MediaBox": negative_box, "second MediaBox": second_box}


def _file(folder: Path, data: bytes, name: str = "page.pdf") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_pypdf_and_poppler_disagree_on_the_crafted_pages(tmp_path: Path) -> None:
    """The premise: pypdf sees nothing large; poppler sees the huge page it would draw."""
    for make in CRAFTED.values():
        data = make(HUGE)
        box = PdfReader(io.BytesIO(data)).pages[0].mediabox
        assert float(box.width) * float(box.height) < 595 * 842 + 1
        assert rendered_sizes("x.pdf", _file(tmp_path, data), 1) == [(HUGE, HUGE)]


@pytest.mark.parametrize("case", CRAFTED, ids=list(CRAFTED))
def test_a_page_poppler_would_render_past_the_limit_is_refused(case: str, tmp_path: Path
                                                               ) -> None:
    settings = Settings()
    assert (settings.pdf_dpi, settings.max_image_pixels) == (300, 120_000_000)
    with pytest.raises(UploadRejected) as refused:
        inspect("crafted.pdf", _file(tmp_path, CRAFTED[case](HUGE)), settings)
    assert refused.value.status == 413
    assert "crafted.pdf: page 1 is far larger than a form" in refused.value.message
    assert "12292×12292 pixels" in refused.value.message


def test_a_form_sized_page_still_passes(tmp_path: Path) -> None:
    settings = Settings()
    for data in (raw_pdf(b"/MediaBox [0 0 595 842]"), raw_pdf(b"/MediaBox [0 0 -595 842]"),
                 raw_pdf(b"/MediaBox [0 0 2000 2000] /MediaBox [0 0 595 842]")):
        assert inspect("form.pdf", _file(tmp_path, data), settings).page_count == 1


def _counts() -> tuple[int, ...]:
    with session_scope() as session:
        rows = tuple(session.scalar(select(func.count()).select_from(t)) or 0
                     for t in (Batch, Document, Page))
    store = get_settings().store_dir
    files = sum(1 for p in store.rglob("*") if p.is_file()) if store.exists() else 0
    return (*rows, files)


@pytest.mark.parametrize("case", CRAFTED, ids=list(CRAFTED))
def test_an_upload_of_a_crafted_page_is_refused_and_leaves_nothing(
        inprocess_db: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    """Through the upload API, with a small limit so that the page, were it rendered, would
    cost little: 72 dpi and one megapixel, and a page of 1100 × 1100 points."""
    monkeypatch.setattr(get_settings(), "pdf_dpi", 72)
    monkeypatch.setattr(get_settings(), "max_image_pixels", 1_000_000)
    client = client_as(Role.SCANNER)
    before = _counts()
    answer = client.post("/api/batches", files={"files": ("crafted.pdf", CRAFTED[case](1100),
                                                          "application/pdf")})
    assert answer.status_code == 413, answer.text
    assert "crafted.pdf: page 1 is far larger than a form" in answer.json()["detail"]
    assert _counts() == before
    fits = client.post("/api/batches", files={"files": ("fits.pdf", CRAFTED[case](900),
                                                       "application/pdf")})
    assert fits.status_code == 201, fits.text


def test_rendering_itself_refuses_a_page_past_the_limit(tmp_path: Path) -> None:
    """The second guard: a page handed to `render_page` without `inspect` (or one poppler
    draws larger than it measured) is refused before it is kept."""
    from intake.filetypes import PDF
    from intake.pages import Inspected, render_page

    settings = Settings(pdf_dpi=72, max_image_pixels=1_000_000)
    with pytest.raises(UploadRejected, match="page 1 is far larger than a form"):
        render_page(Inspected("crafted.pdf", PDF, 1), _file(tmp_path, second_box(1100)), 1,
                    settings)
    fits = render_page(Inspected("fits.pdf", PDF, 1), _file(tmp_path, second_box(900)), 1,
                       settings)
    assert fits.startswith(b"\x89PNG")
