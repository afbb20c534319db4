"""Notices (個別通知) and the serials of the personal forms they carry.

A notice run is one mailing: a programme, the month whose new targets it is for, and
whether the overdue are reminded (再勧奨). Each personal 予診票 printed in it carries a serial
in its QR code: opaque random characters that say nothing by themselves; this table ties
them to the person, the programme and the dose. A person holds one valid serial per
programme and dose: printing their form again withdraws the one before.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


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


class NoticeSerial(Base):
    __tablename__ = "notice_serials"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("notice_runs.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    programme: Mapped[str] = mapped_column(String(32))
    dose: Mapped[int]
    form_id: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    """When a reprint replaced it: a page carrying it is a problem for a person."""
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id"))
    """The page that came back with it: a second page carrying it is a problem for a person."""
