"""LedgerRecord — 予防接種台帳の記録: one dose of one vaccine given to one resident.

`dose_number` counts doses (1, 2, 3…), or, for a vaccine given once a season such as the
routine influenza vaccination, is the season's 年度 (e.g. 2025), so each season holds one.

A record is never deleted: a correction or a void makes a new version, and every version is
kept in RecordVersion with who, when and why (see ledger.records.service).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, utcnow


class RecordSource(StrEnum):
    SCAN = "scan"
    CLINIC = "clinic"
    TRANSFER = "transfer"


class LedgerRecord(Timestamped, Base):
    __tablename__ = "ledger_records"
    __table_args__ = (UniqueConstraint("resident_id", "vaccine", "dose_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    vaccine: Mapped[str] = mapped_column(String(32))
    dose_number: Mapped[int]
    vaccinated_on: Mapped[date]
    lot_number: Mapped[str] = mapped_column(String(32))
    clinic_code: Mapped[str] = mapped_column(String(16), default="")
    source: Mapped[str] = mapped_column(String(16))
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id"), unique=True)
    origin: Mapped[str] = mapped_column(String(16), default="")
    """For a transfer, the 自治体コード of the municipality it came from."""
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)
    voided_at: Mapped[datetime | None]
    void_reason: Mapped[str] = mapped_column(Text, default="")

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


class RecordAction(StrEnum):
    CREATE = "create"
    CORRECT = "correct"
    VOID = "void"
    RERECORD = "rerecord"
    """A voided dose recorded again (a corrected form, a clinic's resubmission)."""


class RecordVersion(Base):
    """One version of a ledger record as it stood after a change, and who made it and why."""

    __tablename__ = "ledger_record_versions"
    __table_args__ = (UniqueConstraint("record_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("ledger_records.id"))
    version: Mapped[int]
    action: Mapped[str] = mapped_column(String(16))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
