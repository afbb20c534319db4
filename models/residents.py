"""Residents (宛名) from the resident register, and the vaccination tickets (接種券) issued
to them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, utcnow


class Resident(Timestamped, Base):
    """宛名: a person in the register. The My Number is kept only encrypted and as a keyed hash."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    atena_number: Mapped[str] = mapped_column(String(16), unique=True)
    my_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    my_number_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    name: Mapped[str] = mapped_column(String(128))
    name_kana: Mapped[str] = mapped_column(String(128))
    birth_date: Mapped[date]
    sex: Mapped[str] = mapped_column(String(1))
    address: Mapped[str] = mapped_column(String(256), default="")
    postal_code: Mapped[str] = mapped_column(String(8), default="", server_default="")
    """NNN-NNNN, or empty where the register extract gives none."""
    moved_out_on: Mapped[date | None]
    """転出: the day the person left the city; their records stay in the ledger."""
    died_on: Mapped[date | None]
    ledger_removed_at: Mapped[datetime | None]
    """When the retention task removed the person's ledger (retention_ledger_years after
    death or moving out): the row stays, its name, address and My Number emptied, because
    the audit log and issued certificates name it."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    tickets: Mapped[list[Ticket]] = relationship(back_populates="resident")


class Ticket(Timestamped, Base):
    """接種券: a ticket number the city issued to one resident."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_number: Mapped[str] = mapped_column(String(16), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    municipality_code: Mapped[str] = mapped_column(String(6), default="")
    ticket_kind: Mapped[str] = mapped_column(String(1), default="")
    ticket_dose: Mapped[str] = mapped_column(String(1), default="")

    resident: Mapped[Resident] = relationship(back_populates="tickets")


class Lot(Timestamped, Base):
    """A vaccine lot from the lot master: a read lot number must be one of these."""

    __tablename__ = "lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_number: Mapped[str] = mapped_column(String(32), unique=True)
    vaccine: Mapped[str] = mapped_column(String(32))
    manufacturer: Mapped[str] = mapped_column(String(128), default="")
    expires_on: Mapped[date | None]
    """The lot's 有効期限: a dose given after it is a mistake (None: the master did not say)."""


class Clinic(Timestamped, Base):
    """委託医療機関: a contracted clinic and the doctors who vaccinate there."""

    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    doctors: Mapped[list[str]] = mapped_column(JSON, default=list)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    """The account the clinic submits digital forms with (`yoshin clinics token`)."""
