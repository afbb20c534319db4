"""What the review endpoints answer and accept."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from accounts.ids import MAX_ROW_ID
from ledger.checks.doubt import doubtful_keys
from ledger.residents.matching import Candidate
from models import Page


class FieldOut(BaseModel):
    key: str
    value: str
    confidence: float | None
    source: str
    problem: str
    doubtful: bool
    box: list[int] | None


class PageOut(BaseModel):
    id: int
    batch_id: int
    state: str
    reason: str
    form_id: str | None
    resident_id: int | None
    lease_until: datetime | None
    image_url: str
    fields: list[FieldOut]
    doubtful: list[str]


class CandidateOut(BaseModel):
    resident_id: int
    atena_number: str
    name: str
    name_kana: str
    birth_date: date
    sex: str
    agrees: list[str]
    differs: list[str]


MAX_CORRECTED_VALUE = 256
"""The longest value a form field takes from any source (a clinic form's address)."""
MAX_CORRECTED_FIELDS = 100
FieldKey = Annotated[str, Field(min_length=1, max_length=64)]
CorrectedValue = Annotated[str, Field(max_length=MAX_CORRECTED_VALUE)]


class FieldCorrections(BaseModel):
    """Bounded like any input: a megabyte typed (or pasted) into one field is refused (422)
    rather than kept, shown on every screen and checked against the register."""

    values: dict[FieldKey, CorrectedValue] = Field(max_length=MAX_CORRECTED_FIELDS,
                                                   description="field key → corrected value")


class ResidentChoice(BaseModel):
    resident_id: int = Field(ge=1, le=MAX_ROW_ID)


class Rejection(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class Confirmation(BaseModel):
    """A confirmed page: its ledger record, or, when a second person must approve it first,
    state `second_check` and no record yet."""

    page_id: int
    state: str
    record_id: int | None
    resident_id: int
    changed: list[str] = Field(default_factory=list,
                               description="identifying fields reviewers changed; `resident` "
                                           "when the page was matched by hand to another "
                                           "resident than the reader's")


def page_out(page: Page, threshold: float) -> PageOut:
    current = page.current_fields()
    doubtful = doubtful_keys(current, threshold)
    return PageOut(
        id=page.id, batch_id=page.batch_id, state=page.state, reason=page.state_reason,
        form_id=page.form_id, resident_id=page.resident_id, lease_until=page.lease_until,
        image_url=f"/api/pages/{page.id}/image",
        fields=[
            FieldOut(key=key, value=f.value, confidence=f.confidence, source=f.source,
                     problem=f.problem, doubtful=key in doubtful, box=f.box)
            for key, f in current.items()
        ],
        doubtful=doubtful,
    )


def candidate_out(candidate: Candidate) -> CandidateOut:
    r = candidate.resident
    return CandidateOut(resident_id=r.id, atena_number=r.atena_number, name=r.name,
                        name_kana=r.name_kana, birth_date=r.birth_date, sex=r.sex,
                        agrees=candidate.agrees, differs=candidate.differs)
