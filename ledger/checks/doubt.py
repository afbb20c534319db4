"""Which values a person must look at: the one rule the reader and the review screen share.

A value is doubtful when it breaks a rule, or when the machine read it with low confidence
and the city's records did not confirm it (see `ledger.checks.confirmation`). A value a person gave,
or the records confirmed, is never doubtful for want of confidence, only for breaking a rule.
"""

from __future__ import annotations

from collections.abc import Mapping

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
