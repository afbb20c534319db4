"""The ledger records' queries, written once: every caller that lists a person's records
wants them in the order they were given (date, then the order they were written), and most
want only the records still in force."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import LedgerRecord

IN_ORDER_GIVEN = (LedgerRecord.vaccinated_on, LedgerRecord.id)


def records_of(session: Session, resident_id: int, *, voided: bool = False
               ) -> Sequence[LedgerRecord]:
    """A resident's records in the order given; the voided ones too only when asked (the
    resident's own view shows them struck through, a certificate or an answer never)."""
    query = select(LedgerRecord).where(LedgerRecord.resident_id == resident_id)
    if not voided:
        query = query.where(LedgerRecord.voided_at.is_(None))
    return session.scalars(query.order_by(*IN_ORDER_GIVEN)).all()


def records_in_force_of_many(session: Session, resident_ids: Iterable[int]
                             ) -> Sequence[LedgerRecord]:
    """The records in force of several residents at once, each resident's in the order given."""
    return session.scalars(select(LedgerRecord).where(
        LedgerRecord.resident_id.in_(list(resident_ids)), LedgerRecord.voided_at.is_(None))
        .order_by(*IN_ORDER_GIVEN)).all()


def in_force_of_products(session: Session, products: Iterable[str]) -> Sequence[LedgerRecord]:
    """Every record in force of the products, in the order given (the due list reads a whole
    programme's doses at once rather than a resident at a time)."""
    return session.scalars(select(LedgerRecord).where(
        LedgerRecord.vaccine.in_(list(products)), LedgerRecord.voided_at.is_(None))
        .order_by(*IN_ORDER_GIVEN)).all()


def resident_ids_given_between(session: Session, start: date, end: date) -> Sequence[int]:
    """Residents with a record in force of a dose given from start to end (both included)."""
    return session.scalars(select(LedgerRecord.resident_id).where(
        LedgerRecord.voided_at.is_(None), LedgerRecord.vaccinated_on.between(start, end))
        .distinct()).all()
