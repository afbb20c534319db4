"""Retention and the reconciler, in process: what has outlived its period is deleted (and the
deletion audited), and pages that stopped moving are queued again."""

from __future__ import annotations

import secrets
from datetime import UTC, timedelta
from pathlib import Path

from sqlalchemy import select

from models import AuditEvent, Batch, BulkQuery, Document, Page, PageState, Role, audit
from models.base import utcnow
from models.db import session_scope
from models.storage import blob_path, put
from tests.inprocess import client_as, make_user
from workers.reconcile import reconcile
from workers.retention import purge_expired


def _page(state: PageState, decided_days_ago: float | None, updated_seconds_ago: float = 0,
          reason: str = "") -> tuple[int, str]:
    user_id, _ = make_user(Role.SCANNER)
    image, _ = put(secrets.token_bytes(64))
    now = utcnow()
    with session_scope() as session:
        batch = Batch(created_by_id=user_id)
        document = Document(batch=batch, sha256=image, filename="scan.png",
                            media_type="image/png", size_bytes=64, page_count=1)
        page = Page(batch=batch, document=document, sequence=1, page_number=1,
                    image_sha256=image, state=state, state_reason=reason)
        if decided_days_ago is not None:
            page.decided_at = now - timedelta(days=decided_days_ago)
        session.add(page)
        session.flush()
        page.updated_at = now - timedelta(seconds=updated_seconds_ago)
        return page.id, image


def _last_audit(action: str) -> AuditEvent | None:
    with session_scope() as session:
        return session.scalar(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id.desc()).limit(1))


def test_images_past_their_period_are_deleted_and_values_kept(inprocess_db: Path,
                                                              tmp_path: Path) -> None:
    old, old_image = _page(PageState.CONFIRMED, decided_days_ago=400)
    recent, recent_image = _page(PageState.CONFIRMED, decided_days_ago=10)
    waiting, waiting_image = _page(PageState.NEEDS_REVIEW, decided_days_ago=None,
                                   updated_seconds_ago=400 * 86400)
    results = tmp_path / "bulk-results.csv"
    results.write_text("line,found\n1,false\n")
    with session_scope() as session:
        bulk = BulkQuery(peer_code="121002", state="done", input_path="", total=1,
                         result_path=str(results), finished_at=utcnow() - timedelta(days=31))
        session.add(bulk)
        session.flush()
        bulk_id = bulk.id

    with session_scope() as session:
        old_entry_id = audit.record(session, actor="test", action="probe.old").id
    done = purge_expired()
    assert done.pages >= 1 and done.bulk_results >= 1
    assert not blob_path(old_image).exists()
    assert blob_path(recent_image).exists() and blob_path(waiting_image).exists()
    assert not results.exists()
    with session_scope() as session:
        assert session.get(Page, old).image_purged_at is not None
        assert session.get(Page, recent).image_purged_at is None
        assert session.get(Page, waiting).image_purged_at is None
        assert session.get(BulkQuery, bulk_id).result_path == ""
    event = _last_audit("retention.purge")
    assert event is not None and event.detail["image_days"] == 365
    answer = client_as(Role.REVIEWER).get(f"/api/pages/{old}/image")
    assert answer.status_code in (404, 410) and "retention" in answer.text
    again = purge_expired()
    assert again.pages == 0 and again.bulk_results == 0
    purge_expired(utcnow() + timedelta(days=800))  # beyond every retention period
    with session_scope() as session:  # the audit log is kept whatever the periods
        assert session.get(AuditEvent, old_entry_id) is not None


def test_the_reconciler_requeues_pages_that_stopped_and_leaves_busy_queues(
        inprocess_db: Path) -> None:
    lost, _ = _page(PageState.READING, None, updated_seconds_ago=3600)
    refused, _ = _page(PageState.FAILED, None, reason="could not be queued for reading: "
                                                      "Error 111 connecting")
    unreadable, _ = _page(PageState.FAILED, None, reason="not read: no form found")
    fresh, _ = _page(PageState.QUEUED, None, updated_seconds_ago=5)

    found = reconcile()
    assert found.stuck_reading >= 1 and found.unqueued >= 1
    with session_scope() as session:
        assert session.get(Page, lost).state == PageState.QUEUED
        assert "reading stopped" in session.get(Page, lost).state_reason
        assert session.get(Page, refused).state == PageState.QUEUED
        assert session.get(Page, unreadable).state == PageState.FAILED
        assert session.get(Page, fresh).state == PageState.QUEUED
    assert _last_audit("pages.reconcile") is not None
    second = reconcile()
    assert (second.stuck_reading, second.unqueued) == (0, 0)

    busy, _ = _page(PageState.READING, None, updated_seconds_ago=1)
    waiting, _ = _page(PageState.QUEUED, None, updated_seconds_ago=3600)
    assert reconcile().stuck_queued == 0  # a worker is busy: the backlog is being worked
    with session_scope() as session:
        session.get(Page, busy).state = PageState.NEEDS_REVIEW
    assert reconcile().stuck_queued >= 1
    with session_scope() as session:
        touched = session.get(Page, waiting).updated_at
        assert touched.replace(tzinfo=touched.tzinfo or UTC) > utcnow() - timedelta(minutes=1)
