"""Committing a confirmed page to the ledger (予防接種台帳): one record per dose.

The caller's transaction holds the record, the page's new state and the audit entry
together, so the ledger never has a record whose page is not confirmed, or the reverse.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.validation import RECORD_KEYS, parse_date, validate
from models import LedgerRecord, Page, PageState, RecordSource, audit
from models.base import utcnow


class CommitRefused(Exception):
    """The page cannot become a ledger record as it stands; the message says why."""


def commit_page(session: Session, page: Page, *, actor: str, user_id: int | None
                ) -> LedgerRecord:
    if page.resident_id is None:
        raise CommitRefused("the page is not matched to a resident")
    values = {key: field.value for key, field in page.current_fields().items()}
    missing = [key for key in RECORD_KEYS if not values.get(key)]
    if missing:
        raise CommitRefused(f"values needed for the ledger are missing: {', '.join(missing)}")
    problems = validate(values)
    if problems:
        listed = "; ".join(f"{key}: {problem}" for key, problem in problems.items())
        raise CommitRefused(f"values do not pass validation: {listed}")
    existing = session.scalar(
        select(LedgerRecord).where(
            LedgerRecord.resident_id == page.resident_id,
            LedgerRecord.vaccine == values["vaccine"],
            LedgerRecord.dose_number == int(values["dose_number"]),
        )
    )
    if existing is not None:
        raise CommitRefused(
            f"dose {existing.dose_number} of {existing.vaccine} is already in the ledger for "
            f"this resident (record {existing.id})"
        )
    record = LedgerRecord(
        resident_id=page.resident_id,
        vaccine=values["vaccine"],
        dose_number=int(values["dose_number"]),
        vaccinated_on=parse_date(values["vaccination_date"]),
        lot_number=values["lot_number"],
        clinic_code=values.get("clinic_code", ""),
        source=RecordSource.SCAN,
        page_id=page.id,
        created_by_id=user_id,
    )
    session.add(record)
    page.move_to(PageState.CONFIRMED)
    page.decided_by_id = user_id
    page.decided_at = utcnow()
    page.lease_user_id = None
    page.lease_until = None
    session.flush()
    audit.record(
        session, actor=actor, action="ledger.record.create", resident_id=page.resident_id,
        subject=f"record:{record.id}", detail={"page": page.id, "source": RecordSource.SCAN},
    )
    return record
