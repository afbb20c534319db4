"""Retention and the reconciler, in process: what has outlived its period is deleted (and the
deletion audited), and pages that stopped moving are queued again."""

from __future__ import annotations

import os
import secrets
import time
from datetime import UTC, timedelta
from pathlib import Path

from sqlalchemy import select

from models import (
    AuditEvent,
    Batch,
    BulkQuery,
    Document,
    NoticeRun,
    NoticeRunState,
    Page,
    PageState,
    Role,
    audit,
)
from models.base import utcnow
from models.db import session_scope
from models.storage import blob_path, incoming_file, put
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
    results_sha, _ = put(b"line,found\n1,false\n")
    results = blob_path(results_sha)
    with session_scope() as session:
        bulk = BulkQuery(peer_code="121002", state="done", total=1, result_sha256=results_sha,
                         finished_at=utcnow() - timedelta(days=31))
        session.add(bulk)
        session.flush()
        bulk_id = bulk.id

    with session_scope() as session:
        audit.record(session, actor="test", action="probe.old")
    probe = _last_audit("probe.old")
    assert probe is not None
    old_entry_id = probe.id
    done = purge_expired()
    assert done.pages >= 1 and done.bulk_results >= 1
    assert not blob_path(old_image).exists()
    assert blob_path(recent_image).exists() and blob_path(waiting_image).exists()
    assert not results.exists()
    with session_scope() as session:
        assert session.get(Page, old).image_purged_at is not None
        assert session.get(Page, recent).image_purged_at is None
        assert session.get(Page, waiting).image_purged_at is None
        assert session.get_one(BulkQuery, bulk_id).result_sha256 is None
    event = _last_audit("retention.purge")
    assert event is not None and event.detail["image_days"] == 365
    answer = client_as(Role.REVIEWER).get(f"/api/pages/{old}/image")
    assert answer.status_code in (404, 410) and "retention" in answer.text
    again = purge_expired()
    assert again.pages == 0 and again.bulk_results == 0
    purge_expired(utcnow() + timedelta(days=800))  # beyond every retention period
    with session_scope() as session:  # the audit log is kept whatever the periods
        assert session.get(AuditEvent, old_entry_id) is not None


def _notice_run(finished_days_ago: int) -> tuple[int, list[str]]:
    """A done run whose PDF and CSV are in the store, finished that many days ago."""
    shas = [put(f"%PDF {secrets.token_hex(8)}".encode())[0],
            put(f"serial,name {secrets.token_hex(8)}".encode())[0]]
    finished = utcnow() - timedelta(days=finished_days_ago)
    with session_scope() as session:
        run = NoticeRun(programme="mr", period_start=finished.date(), period_end=finished.date(),
                        reminders=False, people=1, created_by="test",
                        state=NoticeRunState.DONE, progress=1, finished_at=finished,
                        pdf_sha256=shas[0], csv_sha256=shas[1])
        session.add(run)
        session.flush()
        return run.id, shas


def test_a_notice_runs_print_files_go_after_their_period_and_the_run_stays(
        inprocess_db: Path) -> None:
    """The PDF and mailing CSV hold everyone's name and address: gone after 90 days, with
    the run saying so, and the download answering why; a recent run keeps its files."""
    old, old_files = _notice_run(finished_days_ago=91)
    recent, recent_files = _notice_run(finished_days_ago=5)
    done = purge_expired()
    assert done.notice_files >= 2
    assert not any(blob_path(sha).exists() for sha in old_files)
    assert all(blob_path(sha).exists() for sha in recent_files)
    with session_scope() as session:
        run = session.get_one(NoticeRun, old)
        assert (run.state, run.pdf_sha256, run.csv_sha256) == (NoticeRunState.DONE, None, None)
        assert "保存期間" in run.reason
        assert session.get_one(NoticeRun, recent).pdf_sha256 == recent_files[0]
    event = _last_audit("retention.purge")
    assert event is not None and event.detail["notice_days"] == 90
    answer = client_as(Role.SUPERVISOR).get(f"/api/notice-runs/{old}/pdf")
    assert answer.status_code == 404 and "retention" in answer.text
    assert purge_expired().notice_files == 0


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


def _run_in(state: NoticeRunState, changed_seconds_ago: float) -> int:
    changed = utcnow() - timedelta(seconds=changed_seconds_ago)
    with session_scope() as session:
        run = NoticeRun(programme="mr", period_start=changed.date(), period_end=changed.date(),
                        reminders=False, people=1, created_by="test", state=state,
                        created_at=changed, updated_at=changed)
        session.add(run)
        session.flush()
        return run.id


def test_the_reconciler_sends_a_notice_run_that_stopped_again(inprocess_db: Path) -> None:
    """A run whose worker was killed while drawing, or whose message was lost, would wait for
    ever: it is sent again (the task is idempotent) and its clock restarts; a run drawing
    now is left alone, and while it draws a waiting run is not sent twice."""
    with session_scope() as session:  # the other tests' pages: nothing is being read
        for page in session.scalars(select(Page).where(Page.state == PageState.READING)):
            page.state = PageState.NEEDS_REVIEW
    killed = _run_in(NoticeRunState.RENDERING, 3600)
    drawing = _run_in(NoticeRunState.RENDERING, 5)
    waiting = _run_in(NoticeRunState.QUEUED, 3600)
    assert reconcile().notice_runs == 1  # the killed one; the waiting one waits its turn
    with session_scope() as session:
        touched = session.get_one(NoticeRun, killed).updated_at
        assert touched is not None
        assert touched.replace(tzinfo=touched.tzinfo or UTC) > utcnow() - timedelta(minutes=1)
        for done in (killed, drawing):  # the one sent again counts as drawing until it ends
            session.get_one(NoticeRun, done).state = NoticeRunState.DONE
    assert reconcile().notice_runs == 1  # nothing busy now: the waiting one goes
    assert reconcile().notice_runs == 0
    event = _last_audit("pages.reconcile")
    assert event is not None and event.detail["notice_runs"] == 1
    with session_scope() as session:
        assert session.get_one(NoticeRun, waiting).state == NoticeRunState.QUEUED


def test_a_ledger_is_removed_five_years_after_death_or_moving_out(inprocess_db: Path) -> None:
    """Records, versions, tickets, the values read from the person's forms and the forms'
    images go the day after the period ends, with an audit entry; the register row stays,
    emptied, and nothing of a person still within the period is touched."""
    from datetime import date

    from ledger.records.service import Dose, record_dose
    from models import FieldValue, LedgerRecord, RecordVersion, Resident, Ticket

    page_id, image = _page(PageState.CONFIRMED, decided_days_ago=1)
    people = {}
    with session_scope() as session:
        for key, died, moved in (("died", date(2020, 6, 1), None),
                                 ("moved", None, date(2020, 6, 2)),
                                 ("recent", date(2024, 1, 1), None)):
            resident = Resident(atena_number=f"R{key}{secrets.token_hex(3)}", name="保存 期間",
                                name_kana="ホゾン キカン", birth_date=date(1940, 1, 1), sex="F",
                                address="松戸市", died_on=died, moved_out_on=moved)
            session.add(resident)
            session.flush()
            record_dose(session, Dose(resident.id, "influenza", 2019, date(2019, 11, 1), "L127A"),
                        source="scan", actor="test", user_id=None)
            session.add(Ticket(ticket_number=secrets.token_hex(5), resident_id=resident.id))
            people[key] = resident.id
        page = session.get_one(Page, page_id)
        page.resident_id = people["died"]
        page.fields = [FieldValue(key="name", position=0, value="保存 期間", source="ocr")]

    def held(key: str) -> tuple[int, int, str]:
        with session_scope() as session:
            records = session.scalars(select(LedgerRecord.id).where(
                LedgerRecord.resident_id == people[key])).all()
            tickets = session.scalars(select(Ticket).where(
                Ticket.resident_id == people[key])).all()
            return len(records), len(tickets), session.get_one(Resident, people[key]).name

    purge_expired(utcnow().replace(year=2025, month=6, day=1, tzinfo=UTC))
    assert held("died") == (1, 1, "保存 期間")  # the period ends on 2025-06-01 itself
    done = purge_expired(utcnow().replace(year=2025, month=6, day=2, tzinfo=UTC))
    assert done.ledgers == 1
    assert held("died") == (0, 0, "（保存期間満了）")
    assert held("moved")[0] == 1 and held("recent")[0] == 1
    with session_scope() as session:
        died = session.get_one(Resident, people["died"])
        assert (died.address, died.my_number_hash, died.ledger_removed_at is not None) == (
            "", None, True)
        assert session.scalars(select(FieldValue).where(FieldValue.page_id == page_id)).all() \
            == []
        assert session.scalars(select(RecordVersion).join(
            LedgerRecord, isouter=True).where(LedgerRecord.id.is_(None))).all() == []
    assert not blob_path(image).exists()
    event = _last_audit("retention.ledger.remove")
    assert event is not None and event.resident_id == people["died"]
    assert event.detail == {"records": 1, "pages": 1, "reason": "died",
                            "left_on": "2020-06-01", "years": 5}
    assert purge_expired(utcnow().replace(year=2025, month=6, day=3, tzinfo=UTC)).ledgers == 1
    assert held("moved")[0] == 0 and held("recent")[0] == 1


def test_a_half_received_upload_is_swept_after_a_day(inprocess_db: Path) -> None:
    """A process killed while it copied an upload into the store leaves its incoming file;
    the nightly purge removes it once it is a day old, and never one being received now."""
    abandoned, receiving = incoming_file(), incoming_file()
    a_day_ago = time.time() - 24 * 3600 - 60
    os.utime(abandoned, (a_day_ago, a_day_ago))
    assert purge_expired().incoming >= 1
    assert not abandoned.exists() and receiving.exists()
    receiving.unlink()
