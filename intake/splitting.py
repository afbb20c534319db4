"""Splitting in the queue: each page of an uploaded file rendered to its own image.

The upload recorded one page per page of the file, each `received` without an image, and
was answered; here a worker renders one page from the stored file, stores the image and
queues the page for reading. A page that cannot be rendered fails alone, with the reason a
person will read, and the file's other pages go on. No transaction is open while poppler
renders, and a retried or twice-delivered task finds the page no longer `received` and
does nothing: the image is stored under its hash, so a second rendering stores nothing new.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select

from intake.errors import UploadRejected
from intake.pages import Inspected, render_page
from models import Page, PageState, blobs
from models.db import session_scope
from models.settings import get_settings
from workers.dispatch import read_after_commit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Source:
    inspected: Inspected
    document_id: int
    document_sha256: str
    number: int


def _waiting(page_id: int) -> _Source | None:
    with session_scope() as session:
        page = session.get(Page, page_id)
        if page is None or page.state != PageState.RECEIVED:
            return None
        document = page.document
        return _Source(Inspected(document.filename, document.media_type, document.page_count),
                       document.id, document.sha256, page.page_number)


def split_page(page_id: int, *, queue: bool = True) -> None:
    """Render a received page and queue it for reading (`queue=False`: leave it queued for
    a caller that reads it itself, as `yoshin eval` does)."""
    source = _waiting(page_id)
    if source is None:
        return
    settings = get_settings()
    image_sha, reason = None, ""
    try:
        with blobs.local_copy(source.document_sha256) as stored:
            image = render_page(source.inspected, stored, source.number, settings)
        image_sha, _ = blobs.put(image)
    except UploadRejected as refused:
        reason = refused.message
    except FileNotFoundError:
        reason = f"{source.inspected.filename}: the uploaded file is no longer stored"
    with session_scope() as session:
        page = session.get(Page, page_id, with_for_update=True)
        if page is None or page.state != PageState.RECEIVED:
            return
        if image_sha is None:
            log.warning("page %d could not be split: %s", page_id, reason)
            page.move_to(PageState.FAILED, f"not split: {reason}")
        else:
            page.image_sha256 = image_sha
            page.move_to(PageState.QUEUED)
            if queue:
                read_after_commit(session, [page_id])
    if not _pages_waiting(source.document_id):
        blobs.forget_copy(source.document_sha256)


def _pages_waiting(document_id: int) -> int:
    """Counted after this page's commit: of two processes splitting a file's last two pages
    at the same moment, the one that commits last then sees neither waiting and drops the
    copy (counted inside each transaction, each saw the other's page waiting and both kept
    it)."""
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Page).where(
            Page.document_id == document_id, Page.state == PageState.RECEIVED)) or 0
