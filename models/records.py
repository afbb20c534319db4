"""LedgerRecord — 予防接種台帳の記録: one dose of one vaccine given to one resident.

`dose_number` counts doses (1, 2, 3…), or, for a vaccine given once a season such as the
routine influenza vaccination, is the season's 年度 (e.g. 2025), so each season holds one.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped


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
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
