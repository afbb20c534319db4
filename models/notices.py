"""Notices (個別通知) and the serials of the personal forms they carry.

A notice run is one mailing: a programme, the month whose new targets it is for, and
whether the overdue are reminded (再勧奨). Each personal 予診票 printed in it carries a serial
in its QR code: opaque random characters that say nothing by themselves; this table ties
them to the person, the programme and the dose. A person holds one valid serial per
programme and dose: printing their form again withdraws the one before.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class NoticeRunState(StrEnum):
    """Where a run's files are: waiting for a worker, being written, in the blob store, or
    not made (the run's `reason` says why). The serials are issued before any of these."""

    QUEUED = "queued"
    RENDERING = "rendering"
    DONE = "done"
    FAILED = "failed"


class NoticeRun(Base):
    __tablename__ = "notice_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[date]
    period_end: Mapped[date]
    reminders: Mapped[bool]
    """The overdue were reminded (再勧奨) beside the month's new targets."""
    people: Mapped[int]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default=NoticeRunState.QUEUED,
                                       server_default=NoticeRunState.QUEUED)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    """Why a failed run's files were not made: for the person who runs it again, never a
    person's data."""
    progress: Mapped[int] = mapped_column(default=0, server_default="0")
    """Notices (letter and form) written so far by the attempt under way."""
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    """Renderings started: a run whose rendering keeps killing its worker ends failed."""
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    csv_sha256: Mapped[str | None] = mapped_column(String(64))
    """The print-ready PDF and the mailing list, in the blob store (models.storage)."""
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)
    """The run's last change (queued, claimed, a chunk written, ended): a run waiting or
    being drawn that stops changing is sent to the queue again (workers.reconcile). None on
    runs made before it was kept, which go by created_at."""


class NoticeSerial(Base):
    __tablename__ = "notice_serials"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("notice_runs.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    programme: Mapped[str] = mapped_column(String(32))
    dose: Mapped[int]
    form_id: Mapped[str] = mapped_column(String(32))
    reminder: Mapped[bool] = mapped_column(default=False, server_default=false())
    phase: Mapped[str] = mapped_column(String(32), default="", server_default="")
    due_from: Mapped[date | None]
    due_until: Mapped[date | None]
    """What the letter says (再勧奨 or not, the 期, the days the dose may be given), as the
    engine said it when the serial was issued: the worker that prints the run later prints
    that, not a due list worked out again. Empty for serials printed elsewhere."""
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    """When a reprint replaced it: a page carrying it is a problem for a person."""
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id"))
    """The page that came back with it: a second page carrying it is a problem for a person."""
