"""Sending page tasks only after the transaction that created the pages has committed.

A task sent before the commit could start on a row that does not exist yet, or that a
rollback removes. Tasks are buffered on the session and sent from its after-commit hook; a
broker that cannot be reached marks the pages failed with that reason, so none is lost.

Tasks are sent by name through the Celery app (the names are fixed in `workers.tasks`), so
this module never imports the tasks: `workers.tasks` imports the reconciler, which imports
this module, and sending by name keeps that a straight line instead of a cycle.
"""

from __future__ import annotations

import logging

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from models import BulkQuery, NoticeRun, NoticeRunState, Page, PageState
from models.base import utcnow
from models.db import session_scope
from workers.celery_app import sending_app

log = logging.getLogger(__name__)
_PENDING = "yoshin.pending_page_reads"
_PENDING_SPLITS = "yoshin.pending_page_splits"
UNQUEUED_PREFIX = "could not be queued"
"""How a page the broker refused is marked; the reconciler queues such pages again."""
READ_PAGE = "yoshin.read_page"
SPLIT_PAGE = "yoshin.split_page"
ANSWER_BULK = "yoshin.answer_bulk"
RENDER_NOTICES = "yoshin.render_notices"
"""Task names as registered in `workers.tasks`."""


def read_after_commit(session: Session, page_ids: list[int]) -> None:
    """Queue the pages for reading once the caller's transaction has committed."""
    _after_commit(session, _PENDING, page_ids)


def split_after_commit(session: Session, page_ids: list[int]) -> None:
    """Queue the pages for rendering from their uploaded file (intake.splitting) once the
    caller's transaction has committed; each is queued for reading when it is rendered."""
    _after_commit(session, _PENDING_SPLITS, page_ids)


def _after_commit(session: Session, key: str, page_ids: list[int]) -> None:
    pending: list[int] = session.info.setdefault(key, [])
    if not event.contains(session, "after_commit", _send_pending):
        event.listen(session, "after_commit", _send_pending)
    pending.extend(page_ids)


def _send_pending(session: Session) -> None:
    splits = session.info.pop(_PENDING_SPLITS, [])
    reads = session.info.pop(_PENDING, [])
    if splits:
        send_splits(splits)
    if reads:
        send_reads(reads)


def send_reads(page_ids: list[int]) -> None:
    _send_pages(READ_PAGE, page_ids, PageState.QUEUED, "reading")


def send_splits(page_ids: list[int]) -> None:
    _send_pages(SPLIT_PAGE, page_ids, PageState.RECEIVED, "splitting")


def _send_pages(task: str, page_ids: list[int], waiting: PageState, work: str) -> None:
    unsent: list[int] = []
    error: Exception | None = None
    for page_id in page_ids:
        try:
            sending_app().send_task(task, args=(page_id,))
        except Exception as exc:  # the broker is down: record it on the page, never drop it
            unsent.append(page_id)
            error = exc
    if unsent:
        log.error("could not queue %d pages for %s: %s", len(unsent), work, error)
        with session_scope() as session:
            session.execute(
                update(Page).where(Page.id.in_(unsent), Page.state == waiting)
                .values(state=PageState.FAILED,
                        state_reason=f"{UNQUEUED_PREFIX} for {work}: {error}")
            )


def answer_bulk_after_commit(session: Session, bulk_id: int) -> None:
    """Queue a bulk transfer query once the row that describes it is committed."""

    def send(_: Session) -> None:
        try:
            sending_app().send_task(ANSWER_BULK, args=(bulk_id,))
        except Exception as exc:  # the broker is down: say so on the query, never drop it
            log.error("could not queue bulk query %d: %s", bulk_id, exc)
            with session_scope() as failed:
                failed.execute(update(BulkQuery).where(BulkQuery.id == bulk_id)
                               .values(state="failed", error=f"could not be queued: {exc}"))

    event.listen(session, "after_commit", send, once=True)


def render_notices_after_commit(session: Session, run_id: int) -> None:
    """Queue a notice run's rendering once the run and its serials are committed."""
    event.listen(session, "after_commit", lambda _: send_render(run_id), once=True)


def send_render(run_id: int) -> None:
    """Queue a notice run's rendering; a broker that cannot be reached fails a run still
    waiting with that reason, so it never waits unseen."""
    try:
        sending_app().send_task(RENDER_NOTICES, args=(run_id,))
    except Exception as exc:  # the broker is down: say so on the run, never drop it
        log.error("could not queue notice run %d: %s", run_id, exc)
        with session_scope() as failed:
            failed.execute(update(NoticeRun).where(
                NoticeRun.id == run_id, NoticeRun.state == NoticeRunState.QUEUED).values(
                state=NoticeRunState.FAILED, reason=f"could not be queued: {exc}",
                finished_at=utcnow()))
