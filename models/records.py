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

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped, utcnow


class RecordSource(StrEnum):
    SCAN = "scan"
    CLINIC = "clinic"
    TRANSFER = "transfer"


class Judgement(StrEnum):
    VALID = "valid"
    MISTAKE = "mistake"


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
    judgement: Mapped[str] = mapped_column(String(16), default=Judgement.VALID,
                                           server_default=Judgement.VALID)
    """接種判定: valid, or mistake when a supervisor recorded a dose the schedule engine says
    is no valid routine dose (接種間違い), its reason kept in judgement_reason."""
    judgement_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    doctor_name: Mapped[str] = mapped_column(String(64), default="", server_default="")
    """接種医, as the form names the doctor who vaccinated."""
    dose_ml: Mapped[str] = mapped_column(String(8), default="", server_default="")
    """接種量 as the form writes it ("" when the source did not say)."""
    screened: Mapped[bool] = mapped_column(default=True, server_default=true())
    """予診有無: whether the pre-exam was made (a form with a doctor's decision)."""
    claim_month: Mapped[str] = mapped_column(String(7), default="", server_default="")
    """請求月 (YYYY-MM): the month the clinic claims the dose in, the month it was given."""
    fee: Mapped[str] = mapped_column(String(8), default="", server_default="")
    """実費徴収区分 of the dose (公費 or 実費徴収), from the vaccine master when recorded."""

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
