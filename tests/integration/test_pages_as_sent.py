"""A single PNG or JPEG image is stored as it was sent; the pages of other files are split
in the queue into PNG pages, in colour when they have any.

Decoding and encoding a scan again cost 0.13 s a page and kept nothing the scan did not
hold; the colour of a scan is kept for the reader (blue ink, red seals).
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from intake.batches import create_batch, received
from intake.splitting import split_page
from models import Document, Page, PageState, Role, User
from models.db import session_scope
from models.storage import blob_path
from samples.generate import load_truth
from samples.sets import SETS_DIR
from tests.inprocess import client_as, make_user
from tests.scans import sealed_scan
from workers.pipeline import read_stored_page


def _encoded(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **options)
    return buffer.getvalue()


def _upload(filename: str, data: bytes) -> tuple[list[Page], Document]:
    user_id, _ = make_user(Role.SCANNER)
    with received([(filename, io.BytesIO(data))]) as uploads, session_scope() as session:
        batch = create_batch(session, session.get(User, user_id), uploads, queue=False)
        session.expunge_all()
        return list(batch.pages), batch.documents[0]


def _split(pages: list[Page]) -> list[Page]:
    for page in pages:
        split_page(page.id, queue=False)
    with session_scope() as session:
        found = [session.get_one(Page, page.id) for page in pages]
        session.expunge_all()
        return found


@pytest.mark.parametrize(("filename", "kind", "colour"), [
    ("scan.png", "PNG", False), ("photo.jpg", "JPEG", True), ("gray.jpg", "JPEG", False)])
def test_a_single_image_is_stored_as_sent(inprocess_db: Path, filename: str, kind: str,
                                          colour: bool) -> None:
    data = _encoded(sealed_scan(colour), kind)
    pages, document = _upload(filename, data)
    assert len(pages) == 1
    assert pages[0].image_sha256 == document.sha256
    assert blob_path(pages[0].image_sha256).read_bytes() == data
    stored = cv2.imread(str(blob_path(pages[0].image_sha256)), cv2.IMREAD_UNCHANGED)
    assert stored.ndim == (3 if colour else 2)


def test_pages_of_a_multi_page_tiff_are_split_in_the_queue_keeping_colour(
        inprocess_db: Path) -> None:
    first, second = sealed_scan(colour=True), sealed_scan(colour=False)
    data = _encoded(first, "TIFF", save_all=True, append_images=[second])
    pages, document = _upload("two.tif", data)
    assert [page.page_number for page in pages] == [1, 2]
    assert [(page.state, page.image_sha256) for page in pages] == [(PageState.RECEIVED, None)] * 2
    modes = []
    for page in _split(pages):
        assert page.state == PageState.QUEUED
        stored = blob_path(page.image_sha256 or "").read_bytes()
        assert page.image_sha256 != document.sha256
        assert stored.startswith(b"\x89PNG")
        modes.append(Image.open(io.BytesIO(stored)).mode)
    assert modes == ["RGB", "L"]


def test_a_form_kept_as_a_jpeg_is_read_by_the_worker(inprocess_db: Path) -> None:
    """The worker decodes the kept JPEG itself and reads the form on it."""
    path, truth = next((path, truth) for path, truth in load_truth(SETS_DIR / "mixed-30")
                       if path.suffix == ".jpg")
    pages, _ = _upload("form.jpg", path.read_bytes())
    read_stored_page(pages[0].id)
    with session_scope() as session:
        page = session.get(Page, pages[0].id)
        assert page.state != PageState.FAILED, page.state_reason
        read = {field.key: field.value for field in page.fields}
        assert page.form_id == truth["form"]
        right = [key for key, value in truth["fields"].items() if read.get(key) == value]
        assert len(right) >= 0.8 * len(truth["fields"]), sorted(set(truth["fields"]) - set(right))
        shown = blob_path(page.registered_sha256 or "")
    assert cv2.imread(str(shown), cv2.IMREAD_UNCHANGED).ndim == 2  # a gray scan shown gray


def _red(image: np.ndarray) -> int:
    """How many pixels are seal red (OpenCV's BGR)."""
    blue, green, red = cv2.split(image)
    return int(np.count_nonzero((red > 150) & (green < 110) & (blue < 110)))


def test_a_colour_scan_is_read_in_gray_and_shown_straightened_in_colour(
        inprocess_db: Path) -> None:
    path, truth = next((path, truth) for path, truth in load_truth(SETS_DIR / "mixed-30")
                       if path.suffix == ".jpg")
    with Image.open(path) as scan:
        page = np.array(scan.convert("RGB"))
    height = page.shape[0]
    page[height // 2:height // 2 + 90, 20:110] = (215, 25, 30)  # a seal in the left margin
    pages, _ = _upload("colour.jpg", _encoded(Image.fromarray(page), "JPEG", quality=92))
    read_stored_page(pages[0].id)
    with session_scope() as session:
        read = session.get_one(Page, pages[0].id)
        assert read.form_id == truth["form"], read.state_reason
        shown = cv2.imread(str(blob_path(read.registered_sha256 or "")), cv2.IMREAD_UNCHANGED)
    assert shown.ndim == 3 and _red(shown) > 3000  # straightened, the seal still red
    answer = client_as(Role.REVIEWER).get(f"/api/pages/{pages[0].id}/image")
    assert answer.status_code == 200
    served = cv2.imdecode(np.frombuffer(answer.content, np.uint8), cv2.IMREAD_UNCHANGED)
    assert served.ndim == 3 and _red(served) > 1000


def test_pdf_pages_keep_their_colour_and_gray_pages_stay_gray(inprocess_db: Path) -> None:
    data = _encoded(sealed_scan(colour=True), "PDF", save_all=True, resolution=150,
                    append_images=[sealed_scan(colour=False)])
    pages, _ = _upload("mixed.pdf", data)
    channels = []
    for page in _split(pages):
        assert page.state == PageState.QUEUED
        stored = cv2.imread(str(blob_path(page.image_sha256 or "")), cv2.IMREAD_UNCHANGED)
        channels.append(stored.ndim)
        if stored.ndim == 3:
            scale = stored.shape[0] / 1200  # drawn at the render's dpi, not the scan's
            seal = stored[round(700 * scale), round(500 * scale)]  # red, in OpenCV's BGR
            assert seal[2] > 150 and seal[0] < 100 and seal[1] < 100
    assert channels == [3, 2]
