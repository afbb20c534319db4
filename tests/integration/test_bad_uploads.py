"""A bad upload gets a 4xx answer that says what is wrong, and leaves no row and no file."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select

from intake.splitting import split_page
from models import Batch, Document, Page, PageState, Role
from models.db import session_scope
from models.settings import FORMS_DIR, get_settings
from tests.inprocess import client_as

BLANK_FORM = FORMS_DIR / "covid19.pdf"


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    for page in PdfReader(BLANK_FORM).pages:
        writer.add_page(page)
    writer.encrypt(user_password="", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (width, height), 255).save(buffer, format="PNG")
    return buffer.getvalue()


def _counts() -> tuple[int, int, int, int]:
    with session_scope() as session:
        rows = tuple(session.scalar(select(func.count()).select_from(t))
                     for t in (Batch, Document, Page))
    store = get_settings().store_dir
    files = sum(1 for p in store.rglob("*") if p.is_file()) if store.exists() else 0
    return (*rows, files)


def _bomb_png(side: int = 20_000) -> bytes:
    """A valid PNG of side × side white pixels in a few hundred kilobytes: the header says
    what decoding would cost before anything is decoded."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * side
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + \
        chunk(b"IEND", b"")


def _pdf_of_pages(count: int) -> bytes:
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _tiff_unknown_compression() -> bytes:
    """A TIFF whose compression tag names a scheme no reader here knows (JPEG 2000, 34712)."""
    buffer = io.BytesIO()
    Image.new("L", (1240, 1754), 255).save(buffer, format="TIFF", compression="raw")
    data = bytearray(buffer.getvalue())
    tag = struct.pack("<HHI", 259, 3, 1)  # Compression, SHORT, count 1
    at = data.find(tag)
    assert at > 0
    data[at + 8:at + 10] = struct.pack("<H", 34712)
    return bytes(data)


BAD = {
    "malformed pdf": ("bad.pdf", lambda: b"%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 9 0 R"
                      b">> endobj\n" + b"\x00garbage" * 200 + b"\n%%EOF\n", 400, "bad.pdf"),
    "thousand-page pdf": ("many.pdf", lambda: _pdf_of_pages(1000), 413, "1000 pages"),
    "20000 x 20000 png (decompression bomb)": ("bomb.png", _bomb_png, 413, "too large"),
    "tiff of unknown compression": ("odd.tif", _tiff_unknown_compression, 400, "damaged"),
    "empty": ("empty.pdf", lambda: b"", 400, "empty"),
    "truncated": ("cut.pdf", lambda: BLANK_FORM.read_bytes()[:-4000], 400, "truncated"),
    "encrypted": ("locked.pdf", _encrypted_pdf, 400, "encrypted"),
    "text named pdf": ("notes.pdf", lambda: "接種記録のメモ\n".encode() * 50, 415,
                       "not a PDF, TIFF, PNG or JPEG"),
    "one pixel": ("dot.png", lambda: _png(1, 1), 400, "1×1 pixels"),
    "garbage png": ("broken.png", lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 100, 400, "damaged"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_file_is_refused_and_leaves_nothing(inprocess_db: Path, case: str) -> None:
    name, make, status, words = BAD[case]
    client = client_as(Role.SCANNER)
    before = _counts()
    answer = client.post("/api/batches", files={"files": (name, make(), "application/pdf")})
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]
    assert name in answer.json()["detail"]
    assert _counts() == before


def test_good_file_with_a_bad_one_stores_neither(inprocess_db: Path, sample_set) -> None:  # noqa: ANN001
    client = client_as(Role.SCANNER)
    before = _counts()
    good = sample_set.pages[0].read_bytes()
    answer = client.post("/api/batches", files=[("files", ("page.png", good, "image/png")),
                                                ("files", ("dot.png", _png(1, 1), "image/png"))])
    assert answer.status_code == 400, answer.text
    assert _counts() == before


def test_duplicate_upload_is_refused(inprocess_db: Path, sample_set) -> None:  # noqa: ANN001
    client = client_as(Role.SCANNER)
    page = sample_set.pages[1].read_bytes()
    first = client.post("/api/batches", files={"files": ("a.png", page, "image/png")})
    assert first.status_code == 201, first.text
    assert first.json()["pages"][0]["state"] == "queued"
    before = _counts()
    again = client.post("/api/batches", files={"files": ("b.png", page, "image/png")})
    assert again.status_code == 409
    assert f"already uploaded in batch {first.json()['id']}" in again.json()["detail"]
    assert _counts() == before


@pytest.mark.parametrize("compression", ["group4", "tiff_lzw", "packbits", "tiff_adobe_deflate"])
def test_tiffs_in_the_compressions_scanners_write_are_accepted(inprocess_db: Path, sample_set,
                                                                compression: str) -> None:  # noqa: ANN001
    page = Image.open(sample_set.pages[2])
    buffer = io.BytesIO()
    page.convert("1" if compression == "group4" else "L").save(
        buffer, format="TIFF", compression=compression)
    answer = client_as(Role.SCANNER).post(
        "/api/batches", files={"files": (f"scan-{compression}.tif", buffer.getvalue(),
                                         "image/tiff")})
    assert answer.status_code == 201, answer.text
    assert [p["state"] for p in answer.json()["pages"]] == ["received"]
    page_id = answer.json()["pages"][0]["id"]
    split_page(page_id, queue=False)
    with session_scope() as session:
        split = session.get_one(Page, page_id)
        assert (split.state, split.state_reason) == (PageState.QUEUED, "")


def test_a_file_is_known_by_its_content_not_its_name(inprocess_db: Path, sample_set) -> None:  # noqa: ANN001
    page = Image.open(sample_set.pages[3]).convert("L")
    buffer = io.BytesIO()
    page.save(buffer, format="JPEG", quality=90)
    answer = client_as(Role.SCANNER).post(
        "/api/batches", files={"files": ("scan.pdf", buffer.getvalue(), "application/pdf")})
    assert answer.status_code == 201, answer.text
    with session_scope() as session:
        document = session.scalar(select(Document).where(
            Document.batch_id == answer.json()["id"]))
        assert (document.filename, document.media_type) == ("scan.pdf", "image/jpeg")
