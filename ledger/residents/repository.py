"""Queries of the register that more than one caller needs: a resident by path id lives in
`ledger.residents.deps`, candidates for a page in `ledger.residents.matching`."""

from __future__ import annotations

from collections.abc import Sequence

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
