"""Which values a person must look at: the one rule the reader and the review screen share.

A value is doubtful when it breaks a rule, or when the machine read it with low confidence
and the resident register does not confirm it. A person's own correction is never doubtful
for want of confidence, only for breaking a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ledger.text import normalise
from ledger.validation import validate
from models import FieldSource, FieldValue, Resident

_REGISTER: dict[str, Callable[[Resident], str]] = {
    "name": lambda r: r.name,
    "name_kana": lambda r: r.name_kana,
    "birth_date": lambda r: r.birth_date.isoformat(),
    "sex": lambda r: r.sex,
}


def confirmed_by_register(key: str, value: str, resident: Resident | None) -> bool:
    read = _REGISTER.get(key)
    return bool(resident and read and normalise(value) == normalise(read(resident)))


def refresh_problems(fields: Mapping[str, FieldValue]) -> dict[str, str]:
    """Validate the values that count now and write each one's problem onto its row."""
    problems = validate({key: field.value for key, field in fields.items()})
    for key, field in fields.items():
        field.problem = problems.get(key, "")
    return problems


def doubtful_keys(fields: Mapping[str, FieldValue], resident: Resident | None,
                  threshold: float) -> list[str]:
    doubtful = []
    for key, field in fields.items():
        unsure = (
            field.source == FieldSource.OCR
            and (field.confidence or 0.0) < threshold
            and not confirmed_by_register(key, field.value, resident)
        )
        if field.problem or unsure:
            doubtful.append(key)
    return doubtful
