"""Correcting and voiding ledger records, and reading a record's history. Supervisors only:
a record is what the city certifies, so changing it is a second person's decision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from accounts.access import Action
from accounts.deps import DbSession, require
from accounts.ids import RowId
from ledger.checks.record_checks import record_problems
from ledger.checks.validation import CORRECTED_FIELDS, correction_values, validate
from ledger.records.service import RecordRefused, correct_record, history, void_record
from ledger.residents.endpoints import RecordOut
from models import LedgerRecord, User, audit

router = APIRouter(prefix="/api/records", tags=["ledger"])
Editor = Annotated[User, Depends(require(Action.RECORD_CHANGE))]
Viewer = Annotated[User, Depends(require(Action.RESIDENT_VIEW))]


class Correction(BaseModel):
    vaccinated_on: date | None = None
    lot_number: str | None = Field(default=None, min_length=1, max_length=32)
    clinic_code: str | None = Field(default=None, max_length=16)
    reason: str = Field(min_length=1, max_length=500)


class Voiding(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class VersionOut(BaseModel):
    version: int
    action: str
    state: dict
    reason: str
    actor: str
    at: datetime


class RecordDetail(RecordOut):
    resident_id: int
    history: list[VersionOut]


def _record(db: DbSession, record_id: int) -> LedgerRecord:
    record = db.get(LedgerRecord, record_id, with_for_update=True)
    if record is None:
        raise HTTPException(404, f"no record {record_id}")
    return record


def _detail(db: DbSession, record: LedgerRecord) -> RecordDetail:
    versions = [VersionOut.model_validate(v, from_attributes=True)
                for v in history(db, record.id)]
    return RecordDetail(**{key: getattr(record, key) for key in RecordDetail.model_fields
                           if key != "history"}, history=versions)


@router.get("/{record_id}")
def get_record(record_id: RowId, db: DbSession, user: Viewer) -> RecordDetail:
    record = _record(db, record_id)
    audit.record(db, actor=user.username, action="ledger.record.read",
                 resident_id=record.resident_id, subject=f"record:{record.id}")
    return _detail(db, record)


def _correction_problems(db: DbSession, record: LedgerRecord, changes: dict[str, object]
                         ) -> list[str]:
    """What the form's rules and the city's records say against the corrected values: a
    correction reaches the ledger, the certificates and the reports as a form's values do,
    so it passes the same checks (a lot or clinic code a form could not carry, a date in the
    future). Only the corrected values are judged, not what the record already holds."""
    values = correction_values(record.vaccine, record.dose_number, changes)
    problems = record_problems(db, values, record.resident_id) | validate(values)
    return [f"{column}: {problems[field]}" for column, field in CORRECTED_FIELDS.items()
            if column in changes and field in problems]


@router.patch("/{record_id}")
def correct(record_id: RowId, body: Correction, db: DbSession, user: Editor) -> RecordDetail:
    """A new version with the corrected values; the earlier one stays in the history. 422
    when a corrected value does not pass the checks a form's value must pass."""
    record = _record(db, record_id)
    changes = body.model_dump(exclude={"reason"}, exclude_none=True)
    problems = [] if record.voided else _correction_problems(db, record, changes)
    if problems:  # a void record is refused as such (409) below, whatever the values
        raise HTTPException(422, "the correction does not pass the form's checks: "
                                 + "; ".join(problems))
    try:
        correct_record(db, record, changes, reason=body.reason, actor=user.username,
                       user_id=user.id)
    except RecordRefused as refused:
        raise HTTPException(409, str(refused)) from refused
    return _detail(db, record)


@router.post("/{record_id}/void")
def void(record_id: RowId, body: Voiding, db: DbSession, user: Editor) -> RecordDetail:
    record = _record(db, record_id)
    try:
        void_record(db, record, reason=body.reason, actor=user.username, user_id=user.id)
    except RecordRefused as refused:
        raise HTTPException(409, str(refused)) from refused
    return _detail(db, record)
