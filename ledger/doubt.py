"""Which values a person must look at: the one rule the reader and the review screen share.

A value is doubtful when it breaks a rule, or when the machine read it with low confidence
and the city's records did not confirm it (see `ledger.confirmation`). A value a person gave,
or the records confirmed, is never doubtful for want of confidence, only for breaking a rule.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ledger.validation import validate
from models import FieldSource, FieldValue, Lot, Ticket


def _register_problems(session: Session, values: Mapping[str, str]) -> dict[str, str]:
    """What only the city's own lists can refute: a ticket it never issued, a lot it never
    received."""
    problems: dict[str, str] = {}
    ticket = values.get("ticket_number")
    if ticket and not session.scalar(select(exists().where(Ticket.ticket_number == ticket))):
        problems["ticket_number"] = "発行した接種券の番号ではありません"
    lot, vaccine = values.get("lot_number"), values.get("vaccine")
    if lot and session.scalar(select(exists().where(Lot.vaccine == vaccine))) and not (
        session.scalar(select(exists().where(Lot.lot_number == lot, Lot.vaccine == vaccine)))
    ):
        problems["lot_number"] = "ロット台帳にないロット番号です"
    return problems


def refresh_problems(session: Session, fields: Mapping[str, FieldValue]) -> dict[str, str]:
    """Validate the values that count now and write each one's problem onto its row."""
    values = {key: field.value for key, field in fields.items()}
    problems = _register_problems(session, values) | validate(values)
    for key, field in fields.items():
        field.problem = problems.get(key, "")
    return problems


def doubtful_keys(fields: Mapping[str, FieldValue], threshold: float) -> list[str]:
    doubtful = []
    for key, field in fields.items():
        unsure = field.source == FieldSource.OCR and (field.confidence or 0.0) < threshold
        if field.problem or unsure:
            doubtful.append(key)
    return doubtful
