"""Queries of the register that more than one caller needs: a resident by path id lives in
`ledger.residents.deps`, candidates for a page in `ledger.residents.matching`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Resident


def search(session: Session, text: str, limit: int = 20) -> Sequence[Resident]:
    """Residents whose 宛名番号 is `text`, or whose name or reading holds it."""
    text = text.strip()
    pattern = f"%{text}%"
    return session.scalars(
        select(Resident).where(or_(Resident.atena_number == text, Resident.name.like(pattern),
                                   Resident.name_kana.like(pattern)))
        .order_by(Resident.id).limit(limit)).all()


def present_on(session: Session, on: date) -> Sequence[Resident]:
    """Residents on the register on `on`: neither moved out (転出) nor dead on or before it."""
    return session.scalars(
        select(Resident).where(or_(Resident.moved_out_on.is_(None), Resident.moved_out_on > on),
                               or_(Resident.died_on.is_(None), Resident.died_on > on))
        .order_by(Resident.atena_number)).all()


def by_ids(session: Session, ids: Iterable[int]) -> Sequence[Resident]:
    return session.scalars(select(Resident).where(Resident.id.in_(list(ids)))).all()


def by_atena_numbers(session: Session, numbers: Iterable[str]) -> dict[str, Resident]:
    wanted = list(numbers)
    found: dict[str, Resident] = {}
    for start in range(0, len(wanted), 500):
        found |= {resident.atena_number: resident for resident in session.scalars(
            select(Resident).where(Resident.atena_number.in_(wanted[start:start + 500])))}
    return found
