"""MasterEntry: a vaccine product an administrator added to the vaccine master, kept in the
database beside the master the repository ships (ledger/kit/vaccines.json and
ledger/schedule/series.json), so a city can add a product without a release."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class MasterEntry(Base):
    __tablename__ = "vaccine_master_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    """The product's ledger name, as a record's vaccine holds it."""
    programme: Mapped[str] = mapped_column(String(32))
    """The series of series.json whose doses the product gives."""
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The product as a vaccines.json entry."""
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
