"""Committing a confirmed page to the ledger (予防接種台帳): one record per dose.

The caller's transaction holds the record, the page's new state and the audit entry
together, so the ledger never has a record whose page is not confirmed, or the reverse.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.checks.record_checks import schedule_mistake
from ledger.checks.validation import RECORD_KEYS, SEASONAL, parse_date, validate
from ledger.kit.calendar import fiscal_year
from ledger.records.service import Dose, RecordRefused, duplicate_message, existing, record_dose
from models import FieldSource, LedgerRecord, Page, PageState, RecordSource
from models.base import utcnow


class CommitRefused(Exception):
    """The page cannot become a ledger record as it stands; the message says why."""


def check_page(session: Session, page: Page, *, may_record_mistakes: bool = False
               ) -> tuple[dict[str, str], int, str]:
    """The page's values, the dose they record and the schedule engine's reason when it is
    no valid routine dose (接種間違い, "" otherwise), or CommitRefused saying why the page
    cannot become a ledger record; run before a page is sent on to a second check too, so
    that what a supervisor approves is sure to commit. A 接種間違い is refused unless the
    person may record it as given (a supervisor), its reason then kept on the record."""
    if page.resident_id is None:
        raise CommitRefused("the page is not matched to a resident")
    values = {key: field.value for key, field in page.current_fields().items()}
    seasonal = values.get("vaccine") in SEASONAL
    missing = [key for key in (*RECORD_KEYS, *(() if seasonal else ("dose_number",)))
               if not values.get(key)]
    if missing:
        raise CommitRefused(f"values needed for the ledger are missing: {', '.join(missing)}")
    later = set(page.follow_up or ())  # flagged for a later look: they hold nothing back
    problems = {key: problem for key, problem in validate(values).items() if key not in later}
    if problems:
        listed = "; ".join(f"{key}: {problem}" for key, problem in problems.items())
        raise CommitRefused(f"values do not pass validation: {listed}")
    given = parse_date(values["vaccination_date"])
    if given is None:  # validate() has refused such a value already
        raise CommitRefused("the vaccination date is not a date")
    dose = fiscal_year(given) if seasonal else int(values["dose_number"])
    held = existing(session, page.resident_id, values["vaccine"], dose)
    if held is not None and not held.voided:
        raise CommitRefused(duplicate_message(held))
    found = schedule_mistake(session, values, page.resident_id, page.id)
    mistake = found[1] if found else ""
    if mistake and not may_record_mistakes:
        raise CommitRefused(f"{mistake}; only a supervisor may record it as given, the reason "
                            "kept on the record")
    return values, dose, mistake


def commit_page(session: Session, page: Page, *, actor: str, user_id: int | None,
                may_record_mistakes: bool = False) -> LedgerRecord:
    values, dose, mistake = check_page(session, page, may_record_mistakes=may_record_mistakes)
    vaccinated_on = parse_date(values["vaccination_date"])
    # check_page refused a page without either; checked again so both are known to be set
    if page.resident_id is None:
        raise CommitRefused("the page is not matched to a resident")
    if vaccinated_on is None:
        raise CommitRefused("the vaccination date is not a date")
    given = Dose(resident_id=page.resident_id, vaccine=values["vaccine"], dose_number=dose,
                 vaccinated_on=vaccinated_on,
                 lot_number=values["lot_number"], clinic_code=values.get("clinic_code", ""),
                 doctor_name=values.get("vaccinator_name") or values.get("doctor_name", ""),
                 dose_ml=values.get("dose_ml", ""),
                 screened=bool(values.get("doctor_decision")), mistake=mistake)
    try:
        source = (RecordSource.CLINIC
                  if any(f.source == FieldSource.CLINIC for f in page.fields)
                  else RecordSource.SCAN)
        record = record_dose(session, given, source=source, actor=actor, user_id=user_id,
                             page_id=page.id)
    except RecordRefused as refused:
        raise CommitRefused(str(refused)) from refused
    page.move_to(PageState.CONFIRMED)
    page.decided_by_id = user_id
    page.decided_at = utcnow()
    page.lease_user_id = None
    page.lease_until = None
    return record
