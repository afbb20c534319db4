"""The retention periods, enforced: scanned images of decided pages, bulk transfer results
and notice runs' print files are deleted once their period has passed, and each deletion
run is audited; a
resident's ledger goes retention_ledger_years after death or moving out
(ledger.residents.retention).

What a page said (its values, who confirmed them) and the ledger stay; only the pictures go.
Rows are marked in the database first and the files removed after the commit, so a crash
between the two leaves an unreferenced file, never a row pointing at nothing unexplained.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.residents.retention import remove_expired_ledgers
from models import BulkQuery, Document, Page, audit
from models.base import utcnow
from models.blobs import remove, sweep_copies
from models.db import session_scope
from models.page_state import FINAL
from models.settings import get_settings
from models.storage import sweep_incoming
from notices.files import forget_files

INCOMING_MAX_AGE_SECONDS = 24 * 3600
"""No upload takes a day to be received: a file that old was abandoned."""


@dataclass(frozen=True)
class Purged:
    pages: int
    files: int
    bulk_results: int
    ledgers: int = 0
    """Residents whose ledger was removed, retention_ledger_years after death or moving out."""
    notice_files: int = 0
    """Print-ready PDFs and mailing CSVs of notice runs, retention_notice_days after."""
    incoming: int = 0
    """Uploads left half-received in the store by a killed process, a day after."""
    copies: int = 0
    """This machine's copies of files kept in the database, unused for blob_cache_seconds."""


def _expired_pages(session: Session, cutoff: datetime) -> list[Page]:
    decided = func.coalesce(Page.decided_at, Page.updated_at)
    return list(session.scalars(select(Page).where(
        Page.state.in_([str(s) for s in FINAL]), Page.image_purged_at.is_(None),
        decided < cutoff).with_for_update(skip_locked=True)))


def _unreferenced(session: Session, candidates: set[str]) -> set[str]:
    """Of these hashes, those no page still keeping its images and no document uses."""
    if not candidates:
        return set()
    kept = Page.image_purged_at.is_(None)
    used = set(session.scalars(select(Page.image_sha256).where(
        kept, Page.image_sha256.in_(candidates))))
    used |= set(session.scalars(select(Page.registered_sha256).where(
        kept, Page.registered_sha256.in_(candidates))))
    return candidates - used


def _expired_documents(session: Session, batch_ids: set[int]) -> set[str]:
    """Uploaded files all of whose pages have lost their images."""
    shas = set()
    for document in session.scalars(select(Document).where(Document.batch_id.in_(batch_ids))):
        open_pages = session.scalar(select(func.count()).select_from(Page).where(
            Page.document_id == document.id, Page.image_purged_at.is_(None)))
        if not open_pages:
            shas.add(document.sha256)
    return shas


def purge_expired(now: datetime | None = None) -> Purged:
    settings = get_settings()
    now = now or utcnow()
    files: set[str] = set()
    bulk_files: set[str] = set()
    bulk_queries = 0
    with session_scope() as session:
        removed = remove_expired_ledgers(session, now.date(), settings.retention_ledger_years)
        pages = _expired_pages(session, now - timedelta(days=settings.retention_image_days))
        for page in pages:
            page.image_purged_at = now
            files.update(sha for sha in (page.image_sha256, page.registered_sha256) if sha)
        session.flush()
        files = _unreferenced(session, files | removed.images) | _expired_documents(
            session, {page.batch_id for page in pages})
        transfer_cutoff = now - timedelta(days=settings.retention_transfer_days)
        for bulk in session.scalars(select(BulkQuery).where(
                BulkQuery.finished_at < transfer_cutoff,
                BulkQuery.result_sha256.is_not(None) | BulkQuery.input_sha256.is_not(None))):
            bulk_files.update(sha for sha in (bulk.result_sha256, bulk.input_sha256) if sha)
            bulk.result_sha256 = bulk.input_sha256 = None
            bulk_queries += 1
        notice_files = forget_files(session, now - timedelta(days=settings.retention_notice_days))
        if pages or bulk_queries or notice_files:
            audit.record(session, actor="system", action="retention.purge",
                         detail={"pages": len(pages), "files": len(files),
                                 "bulk_results": bulk_queries,
                                 "notice_files": len(notice_files),
                                 "image_days": settings.retention_image_days,
                                 "transfer_days": settings.retention_transfer_days,
                                 "notice_days": settings.retention_notice_days})
    for sha in files | notice_files | bulk_files:
        remove(sha)
    return Purged(pages=len(pages), files=len(files), bulk_results=bulk_queries,
                  ledgers=removed.residents, notice_files=len(notice_files),
                  incoming=sweep_incoming(INCOMING_MAX_AGE_SECONDS), copies=sweep_copies())
