"""Correcting and voiding ledger records, and reading a record's history. Supervisors only:
a record is what the city certifies, so changing it is a second person's decision."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from ledger.api import RecordOut
from ledger.records import RecordRefused, correct_record, history, void_record
from models import LedgerRecord, User, audit
from models.access import Action
from models.deps import DbSession, require

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
def get_record(record_id: int, db: DbSession, user: Viewer) -> RecordDetail:
    record = _record(db, record_id)
    audit.record(db, actor=user.username, action="ledger.record.read",
                 resident_id=record.resident_id, subject=f"record:{record.id}")
    db.commit()
    return _detail(db, record)


@router.patch("/{record_id}")
def correct(record_id: int, body: Correction, db: DbSession, user: Editor) -> RecordDetail:
    """A new version with the corrected values; the earlier one stays in the history."""
    record = _record(db, record_id)
    changes = body.model_dump(exclude={"reason"}, exclude_none=True)
    try:
        correct_record(db, record, changes, reason=body.reason, actor=user.username,
                       user_id=user.id)
    except RecordRefused as refused:
        raise HTTPException(409, str(refused)) from refused
    db.commit()
    return _detail(db, record)


@router.post("/{record_id}/void")
def void(record_id: int, body: Voiding, db: DbSession, user: Editor) -> RecordDetail:
    record = _record(db, record_id)
    try:
        void_record(db, record, reason=body.reason, actor=user.username, user_id=user.id)
    except RecordRefused as refused:
        raise HTTPException(409, str(refused)) from refused
    db.commit()
    return _detail(db, record)
