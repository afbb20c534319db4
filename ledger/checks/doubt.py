"""Which values a person must look at: the one rule the reader and the review screen share.

A value is doubtful when it breaks a rule, or when the machine read it with low confidence
and the city's records did not confirm it (see `ledger.checks.confirmation`). A value a person gave,
or the records confirmed, is never doubtful for want of confidence, only for breaking a rule.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy.orm import Session

from ledger.checks.record_checks import record_problems
from ledger.checks.validation import validate
from models import FieldSource, FieldValue


def refresh_problems(session: Session, fields: Mapping[str, FieldValue], *,
                     resident_id: int | None, page_id: int | None) -> dict[str, str]:
    """Validate the values that count now, against the form's rules and the city's records
    for the resident the page is matched to, and write each one's problem onto its row."""
    values = {key: field.value for key, field in fields.items()}
    problems = record_problems(session, values, resident_id, page_id) | validate(values)
    for key, field in fields.items():
        field.problem = problems.get(key, "")
    return problems


def unsure(field: FieldValue, threshold: float) -> bool:
    """Whether the machine read the value with less confidence than `threshold`."""
    return field.source == FieldSource.OCR and (field.confidence or 0.0) < threshold


def doubtful_keys(fields: Mapping[str, FieldValue], threshold: float) -> list[str]:
    return [key for key, field in fields.items()
            if field.problem or unsure(field, threshold)]


SCREENING_DOCTOR = "doctor_name"
VACCINATOR = "vaccinator_name"


def holding_keys(fields: Mapping[str, FieldValue], threshold: float,
                 after_commit: Collection[str]) -> list[str]:
    """The doubtful fields that hold the record back: those the ledger record is made of.
    The form's `after_commit` answers are kept for a person's later look instead, and so is
    the screening doctor's name (予診医) when the vaccinating doctor's (接種医) is written
    and not in doubt: the record's doctor is the vaccinator, the screening doctor only when
    no vaccinator is written (ledger.records.commit), and the ledger's items (別添2: 接種医,
    予診有無) hold no screening doctor's name. On development seed 17049 (323 personal
    forms) 4 pages waited for the screening doctor's name alone."""
    doubts = doubtful_keys(fields, threshold)
    vaccinator = fields.get(VACCINATOR)
    recorded_instead = (vaccinator is not None and vaccinator.value.strip() != ""
                        and VACCINATOR not in doubts)
    return [key for key in doubts if key not in after_commit
            and not (key == SCREENING_DOCTOR and recorded_instead)]
