"""A page that cannot be read ends `failed`, or in the review queue, with a reason a person
understands, never as silently accepted data: blank, not our form, far too dark, cut off."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from intake.batches import create_batch, received
from models import Page, PageState, Resident, Role, User
from models.db import session_scope
from samples.generate import load_truth, read_image
from samples.sets import SETS_DIR
from tests.inprocess import make_user
from workers.pipeline import read_stored_page


def _form_page() -> np.ndarray:
    path, _ = load_truth(SETS_DIR / "mixed-30")[0]
    return read_image(path)


def _blank() -> np.ndarray:
    return np.full((3508, 2480), 255, np.uint8)


def _foreign() -> np.ndarray:
    page = _blank()
    rng = np.random.default_rng(5)
    for _ in range(40):
        x, y = int(rng.integers(100, 2300)), int(rng.integers(100, 3300))
        cv2.putText(page, "INVOICE 2026 TOTAL", (x, y), cv2.FONT_HERSHEY_SIMPLEX, 2, 0, 4)
    cv2.rectangle(page, (200, 200), (2200, 600), 0, 8)
    return page


def _too_dark() -> np.ndarray:
    return (_form_page() * 0.08).astype(np.uint8)


def _cut_off() -> np.ndarray:
    page = _form_page()
    return page[: page.shape[0] // 2].copy()


CASES = {"blank": _blank, "not our form": _foreign, "too dark": _too_dark,
         "cut off": _cut_off}


def _png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_unreadable_page_is_never_taken_as_read(inprocess_db: Path, case: str) -> None:
    user_id, _ = make_user(Role.SCANNER)
    with received([(f"{case}.png", io.BytesIO(_png(CASES[case]())))]) as uploads, \
            session_scope() as session:
        batch = create_batch(session, session.get(User, user_id), uploads, queue=False)
        page_id = batch.pages[0].id
    read_stored_page(page_id)
    with session_scope() as session:
        page = session.get(Page, page_id)
        assert page.state in (PageState.FAILED, PageState.NEEDS_REVIEW), page.state
        if page.state == PageState.FAILED:
            assert page.state_reason.startswith("not read: ") and len(page.state_reason) > 25
            assert page.fields == []
        else:
            assert "doubtful fields" in page.state_reason
            _matched_to_its_writer_or_none(session, page)


def _matched_to_its_writer_or_none(session, page: Page) -> None:  # noqa: ANN001
    """Ink is found relative to the paper, so a page scanned far too dark is still read; it
    may be matched to a resident only when that is the person who filled it in."""
    if page.resident_id is None:
        return
    _, truth = load_truth(SETS_DIR / "mixed-30")[0]
    resident = session.get(Resident, page.resident_id)
    assert resident.birth_date.isoformat() == truth["fields"]["birth_date"]
    assert "".join(resident.name.split()) == "".join(truth["fields"]["name"].split())
