"""The reconciler: pages and notice runs that stopped moving are sent to the queue again
(a page still to be split from its file to be split, any other to be read).

A message can be lost between the database and the broker: the API may die after committing
a batch but before queuing its pages, a broker restart may drop what it held, and a worker
killed outright leaves its unacknowledged page invisible until the broker's timeout. The
database knows which pages wait; this compares it with time. Sending a page twice is safe:
a worker claims a page only while it is queued or being read, and the attempt count ends a
page that keeps killing workers. A notice run is the same: drawn again from its serials by
whichever delivery claims it last (notices.files), and failed after its attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import NoticeRun, NoticeRunState, Page, PageState, audit
from models.base import utcnow
from models.db import session_scope
from models.settings import get_settings
from workers.dispatch import UNQUEUED_PREFIX, send_reads, send_render, send_splits


@dataclass(frozen=True)
class Reconciled:
    stuck_reading: int
    stuck_queued: int
    unqueued: int
    notice_runs: int = 0
    """Notice runs drawn with no progress, or waiting while nothing is busy."""
    stuck_received: int = 0
    """Pages still to be split from their file while nothing is busy (a lost message)."""


def reconcile(now: datetime | None = None) -> Reconciled:
    """Requeue what stopped: pages being read with no progress, queued pages while no worker
    is busy (a long backlog being worked through is left alone), pages the broker refused;
    notice runs being drawn with no progress, and waiting ones while nothing is busy. Each
    one's clock restarts, so it is not sent again on the next run."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=get_settings().reconcile_after_seconds)
    with session_scope() as session:
        stale = (Page.updated_at < cutoff)
        reading = list(session.scalars(select(Page).where(
            Page.state == PageState.READING, stale).with_for_update(skip_locked=True)))
        busy = session.scalar(select(func.count()).select_from(Page).where(
            Page.state == PageState.READING, Page.updated_at >= cutoff))
        queued = [] if busy else list(session.scalars(select(Page).where(
            Page.state == PageState.QUEUED, stale).with_for_update(skip_locked=True)))
        received = [] if busy else list(session.scalars(select(Page).where(
            Page.state == PageState.RECEIVED, stale).with_for_update(skip_locked=True)))
        unqueued = list(session.scalars(select(Page).where(
            Page.state == PageState.FAILED, Page.state_reason.startswith(UNQUEUED_PREFIX))
            .with_for_update(skip_locked=True)))
        for page in reading:
            page.move_to(PageState.QUEUED, "queued again: its reading stopped (worker lost?)")
        for page in unqueued:
            page.move_to(PageState.QUEUED if page.image_sha256 else PageState.RECEIVED,
                         "queued again once the queue took messages")
        for page in [*reading, *queued, *received, *unqueued]:
            page.updated_at = now
        runs = _stopped_runs(session, cutoff, busy=bool(busy))
        for run in runs:
            run.updated_at = now
        found = Reconciled(len(reading), len(queued), len(unqueued), len(runs), len(received))
        if reading or queued or received or unqueued or runs:
            audit.record(session, actor="system", action="pages.reconcile",
                         detail={"stuck_reading": found.stuck_reading,
                                 "stuck_queued": found.stuck_queued,
                                 "stuck_received": found.stuck_received,
                                 "unqueued": found.unqueued,
                                 "notice_runs": found.notice_runs})
        pages = [*reading, *queued, *received, *unqueued]
        page_ids = [page.id for page in pages if page.state == PageState.QUEUED]
        split_ids = [page.id for page in pages if page.state == PageState.RECEIVED]
        run_ids = [run.id for run in runs]
    if split_ids:
        send_splits(split_ids)
    if page_ids:
        send_reads(page_ids)
    for run_id in run_ids:
        send_render(run_id)
    return found


def _stopped_runs(session: Session, cutoff: datetime, busy: bool) -> list[NoticeRun]:
    """Runs being drawn that have not changed since `cutoff` (each chunk of 1,000 notices
    changes the run), and runs waiting that long while no page is being read and no run
    drawn: a run queued behind a long backlog is not sent twice."""
    changed = func.coalesce(NoticeRun.updated_at, NoticeRun.created_at)
    drawing = session.scalar(select(func.count()).select_from(NoticeRun).where(
        NoticeRun.state == NoticeRunState.RENDERING, changed >= cutoff))
    states = [NoticeRunState.RENDERING] + ([] if busy or drawing else [NoticeRunState.QUEUED])
    return list(session.scalars(select(NoticeRun).where(
        NoticeRun.state.in_([str(state) for state in states]), changed < cutoff)
        .with_for_update(skip_locked=True)))
