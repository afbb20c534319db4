"""Ledger endpoints: a resident and their records. Every answer that shows a person is
audited, and the My Number is only ever shown masked."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from accounts.access import Action
from accounts.deps import DbSession, require
from ledger.records.repository import records_of
from ledger.residents import my_number, repository
from ledger.residents.deps import ResidentDep
from ledger.residents.disclosure import disclosure
from models import LedgerRecord, Resident, User, audit

router = APIRouter(prefix="/api/residents", tags=["ledger"])
Viewer = Annotated[User, Depends(require(Action.RESIDENT_VIEW))]
NumberViewer = Annotated[User, Depends(require(Action.MY_NUMBER_SHOW))]
Discloser = Annotated[User, Depends(require(Action.DISCLOSURE_EXPORT))]


class RecordOut(BaseModel):
    id: int
    vaccine: str
    dose_number: int
    vaccinated_on: date
    lot_number: str
    clinic_code: str
    source: str
    origin: str
    page_id: int | None
    version: int
    voided: bool
    void_reason: str


class ResidentOut(BaseModel):
    id: int
    atena_number: str
    name: str
    name_kana: str
    birth_date: date
    sex: str
    address: str
    my_number: str
    records: list[RecordOut] = []


def resident_out(resident: Resident, records: list[LedgerRecord] | None = None) -> ResidentOut:
    return ResidentOut(
        id=resident.id, atena_number=resident.atena_number, name=resident.name,
        name_kana=resident.name_kana, birth_date=resident.birth_date, sex=resident.sex,
        address=resident.address,
        my_number=my_number.masked(resident.my_number_encrypted is not None),
        records=[RecordOut.model_validate(r, from_attributes=True) for r in records or []],
    )


@router.get("")
def search_residents(db: DbSession, user: Viewer,
                     q: Annotated[str, Query(min_length=1, max_length=64)]) -> list[ResidentOut]:
    found = repository.search(db, q)
    for resident in found:
        audit.record(db, actor=user.username, action="resident.read", resident_id=resident.id,
                     subject="search")
    return [resident_out(r) for r in found]


@router.get("/{resident_id}")
def get_resident(user: Viewer, resident: ResidentDep, db: DbSession) -> ResidentOut:
    records = records_of(db, resident.id, voided=True)
    audit.record(db, actor=user.username, action="resident.read", resident_id=resident.id,
                 subject="resident view")
    return resident_out(resident, list(records))


class MyNumberOut(BaseModel):
    my_number: str


@router.post("/{resident_id}/my-number")
def show_my_number(user: NumberViewer, resident: ResidentDep, db: DbSession) -> MyNumberOut:
    """The full My Number, for the few tasks that need it; each showing is audited. A POST,
    so that no cache, prefetch or browser history keeps it."""
    if resident.my_number_encrypted is None:
        raise HTTPException(404, f"resident {resident.id} has no My Number on record")
    audit.record(db, actor=user.username, action="resident.my_number.show",
                 resident_id=resident.id, subject="resident view")
    return MyNumberOut(my_number=my_number.decrypt(resident.my_number_encrypted))


@router.get("/{resident_id}/disclosure")
def disclose(user: Discloser, resident: ResidentDep, db: DbSession) -> dict[str, Any]:
    """開示請求: all data held about the person, as one JSON document (audited)."""
    document = disclosure(db, resident)
    audit.record(db, actor=user.username, action="resident.disclosure",
                 resident_id=resident.id, subject="disclosure export",
                 detail={"records": len(document["ledger_records"]),
                         "forms": len(document["forms"])})
    return document
