"""An upload is answered once its file is stored; its pages are split in the queue.

Each page of a PDF or TIFF is recorded `received`, without an image, and rendered later by
`intake.splitting` from the stored file; a page that cannot be rendered fails alone with
its reason, a duplicate delivery does nothing, a retry splits again, and the reconciler
sends a page whose split message was lost once more.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from intake.splitting import split_page
from models import Page, PageState, Role
from models.base import utcnow
from models.db import session_scope
from models.storage import blob_path
from tests.inprocess import client_as
from workers.reconcile import reconcile

ZLIB_STREAM = b"\x78\x9c"


def _tiff_with_a_damaged_page(pages: int, damaged: int) -> bytes:
    """A deflate TIFF of `pages` white A4-sized pages, one of whose compressed strips in
    the middle of the file is overwritten: each page's size stays readable, and the page
    holding that strip (the `damaged`th, checked below) cannot be decoded."""
    frames = [Image.new("L", (1240, 1754), 255) for _ in range(pages)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", compression="tiff_deflate", save_all=True,
                   append_images=frames[1:])
    data = bytearray(buffer.getvalue())
    strips = [at for at in range(len(data)) if data[at:at + 2] == ZLIB_STREAM]
    middle = strips[len(strips) // 2]
    data[middle:middle + 40] = b"\xff" * 40
    damaged_file = bytes(data)
    image = Image.open(io.BytesIO(damaged_file))
    image.seek(damaged - 1)
    with pytest.raises(OSError):
        image.load()
    return damaged_file


def _pages(batch_id: int) -> list[Page]:
    with session_scope() as session:
        pages = list(session.scalars(select(Page).where(Page.batch_id == batch_id)
                                     .order_by(Page.sequence)))
        session.expunge_all()
        return pages


def test_an_upload_is_answered_before_its_pages_are_rendered(inprocess_db: Path,
                                                             sample_set) -> None:  # noqa: ANN001
    client = client_as(Role.SCANNER)
    answer = client.post("/api/batches", files={"files": (
        "batch.pdf", sample_set.batch_pdf.read_bytes(), "application/pdf")})
    assert answer.status_code == 201, answer.text
    batch = answer.json()
    assert (batch["total"], batch["split"], batch["read"]) == (20, 0, 0)
    assert {page["state"] for page in batch["pages"]} == {"received"}
    first = batch["pages"][0]["id"]
    image = client.get(f"/api/pages/{first}/image")
    assert image.status_code == 404 and "not been split" in image.json()["detail"]

    split_page(first, queue=False)
    split_page(first, queue=False)  # a second delivery of the same message
    page = _pages(batch["id"])[0]
    assert page.state == PageState.QUEUED
    # the PDF's pages are the scanner's JPEGs: each is kept as it is (intake.scanned_jpeg)
    assert blob_path(page.image_sha256 or "").read_bytes().startswith(b"\xff\xd8")
    assert client.get(f"/api/batches/{batch['id']}").json()["split"] == 1
    assert client.get(f"/api/pages/{first}/image").status_code == 200


def test_a_damaged_page_fails_alone_and_is_split_again_on_retry(inprocess_db: Path) -> None:
    client = client_as(Role.SCANNER)
    answer = client.post("/api/batches", files={"files": (
        "three.tif", _tiff_with_a_damaged_page(3, damaged=2), "image/tiff")})
    assert answer.status_code == 201, answer.text
    batch_id = answer.json()["id"]
    for page in _pages(batch_id):
        split_page(page.id, queue=False)
    first, broken, third = _pages(batch_id)
    assert (first.state, third.state) == (PageState.QUEUED, PageState.QUEUED)
    assert broken.state == PageState.FAILED and broken.image_sha256 is None
    assert broken.state_reason == "not split: three.tif: page 2 is damaged and cannot be read"

    retried = client_as(Role.SUPERVISOR).post(f"/api/pages/{broken.id}/retry")
    assert retried.status_code == 200, retried.text
    assert _pages(batch_id)[1].state == PageState.RECEIVED
    split_page(broken.id, queue=False)
    assert _pages(batch_id)[1].state == PageState.FAILED


def test_the_reconciler_splits_a_page_whose_message_was_lost(inprocess_db: Path) -> None:
    client = client_as(Role.SCANNER)
    answer = client.post("/api/batches", files={"files": (
        "scan.tif", _tiff_with_a_damaged_page(3, damaged=2), "image/tiff")})
    page_id = answer.json()["pages"][0]["id"]
    with session_scope() as session:
        session.get_one(Page, page_id).updated_at = utcnow() - timedelta(hours=1)
    found = reconcile()
    assert found.stuck_received >= 1
    with session_scope() as session:
        page = session.get_one(Page, page_id)
        assert page.state == PageState.RECEIVED
        touched = page.updated_at
        assert touched.replace(tzinfo=touched.tzinfo or utcnow().tzinfo) \
            > utcnow() - timedelta(minutes=1)
