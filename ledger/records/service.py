"""Writing the ledger: the only code that creates, corrects or voids a record.

Every path that writes a dose (a confirmed scan, a clinic's submission, a transfer from
another municipality) goes through `record_dose`, so one resident never holds two records
of the same vaccine and dose. A correction and a void change the record in place and keep
what it was as a new RecordVersion with who, when and why; nothing is ever deleted, and a
voided dose may be recorded again (a corrected form), which is a new version too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.kit.vaccines import CATALOG
from models import Judgement, LedgerRecord, RecordAction, RecordVersion, audit
from models.base import utcnow

CORRECTABLE = ("vaccinated_on", "lot_number", "clinic_code")
"""What a correction may change; vaccine and dose say which record it is (void it and
record the right one instead)."""


class RecordRefused(Exception):
    """The change cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class Dose:
    resident_id: int
    vaccine: str
    dose_number: int
    vaccinated_on: date
    lot_number: str
    clinic_code: str = ""
    doctor_name: str = ""
    dose_ml: str = ""
    screened: bool = True
    mistake: str = ""
    """The schedule engine's reason when a supervisor records a dose it calls no valid
    routine dose (接種間違い); "" for a valid dose."""


def state_of(record: LedgerRecord) -> dict[str, object]:
    """What a version keeps of the record."""
    return {"vaccine": record.vaccine, "dose_number": record.dose_number,
            "vaccinated_on": record.vaccinated_on.isoformat(), "lot_number": record.lot_number,
            "clinic_code": record.clinic_code, "source": record.source,
            "origin": record.origin, "voided": record.voided, "judgement": record.judgement,
            "judgement_reason": record.judgement_reason}


def _keep(session: Session, record: LedgerRecord, action: RecordAction, actor: str,
          user_id: int | None, reason: str = "") -> None:
    session.flush()
    session.add(RecordVersion(record_id=record.id, version=record.version, action=action,
                              state=state_of(record), reason=reason, actor=actor,
                              user_id=user_id))
    audit.record(session, actor=actor, action=f"ledger.record.{action}",
                 resident_id=record.resident_id, subject=f"record:{record.id}",
                 detail={"version": record.version, "source": record.source,
                         **({"reason": reason} if reason else {})})


def existing(session: Session, resident_id: int, vaccine: str, dose_number: int
             ) -> LedgerRecord | None:
    return session.scalar(select(LedgerRecord).where(
        LedgerRecord.resident_id == resident_id, LedgerRecord.vaccine == vaccine,
        LedgerRecord.dose_number == dose_number).with_for_update())


SEASON_FROM = 1000
"""A dose number this large is a season's 年度 (see models.records)."""


def duplicate_message(record: LedgerRecord) -> str:
    which = (f"the {record.dose_number} season's dose" if record.dose_number >= SEASON_FROM
             else f"dose {record.dose_number}")
    return (f"{which} of {record.vaccine} is already in the ledger for this resident "
            f"(record {record.id}, from {record.source}); correct or void that record instead")


def record_dose(session: Session, dose: Dose, *, source: str, actor: str,
                user_id: int | None, page_id: int | None = None, origin: str = ""
                ) -> LedgerRecord:
    """A new record of the dose, or a voided one recorded again; RecordRefused when the
    resident already holds this dose."""
    record = existing(session, dose.resident_id, dose.vaccine, dose.dose_number)
    if record is not None and not record.voided:
        raise RecordRefused(duplicate_message(record))
    action = RecordAction.CREATE
    if record is None:
        record = LedgerRecord(resident_id=dose.resident_id, vaccine=dose.vaccine,
                              dose_number=dose.dose_number, created_by_id=user_id, version=1)
    else:
        action = RecordAction.RERECORD
        record.version += 1
        record.voided_at, record.void_reason = None, ""
    record.vaccinated_on, record.lot_number = dose.vaccinated_on, dose.lot_number
    record.clinic_code, record.source, record.origin = dose.clinic_code, source, origin
    record.doctor_name, record.dose_ml, record.screened = \
        dose.doctor_name, dose.dose_ml, dose.screened
    record.judgement = Judgement.MISTAKE if dose.mistake else Judgement.VALID
    record.judgement_reason = dose.mistake
    record.claim_month = dose.vaccinated_on.strftime("%Y-%m")
    record.fee = CATALOG[dose.vaccine].fee if dose.vaccine in CATALOG else ""
    record.page_id = page_id if page_id is not None else record.page_id
    if action == RecordAction.CREATE:
        _insert(session, record)
    _keep(session, record, action, actor, user_id)
    return record


def _insert(session: Session, record: LedgerRecord) -> None:
    """Two people confirming the same dose at the same moment both pass the check above;
    the unique key lets one in, and the other is refused like any duplicate."""
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        held = existing(session, record.resident_id, record.vaccine, record.dose_number)
        raise RecordRefused(duplicate_message(held) if held is not None else
                            "this dose was recorded at the same moment; reload") from None


def correct_record(session: Session, record: LedgerRecord, changes: Mapping[str, object],
                   *, reason: str, actor: str, user_id: int | None) -> LedgerRecord:
    """Change what was recorded, keeping the earlier version."""
    if not reason.strip():
        raise RecordRefused("a correction needs a reason")
    if record.voided:
        raise RecordRefused(f"record {record.id} is void; record the dose again instead")
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise RecordRefused(f"a correction may change only {', '.join(CORRECTABLE)}, "
                            f"not {', '.join(unknown)}")
    changed = {key: value for key, value in changes.items() if getattr(record, key) != value}
    if not changed:
        raise RecordRefused("the correction changes nothing")
    for key, value in changed.items():
        setattr(record, key, value)
    record.version += 1
    _keep(session, record, RecordAction.CORRECT, actor, user_id, reason.strip())
    return record


def void_record(session: Session, record: LedgerRecord, *, reason: str, actor: str,
                user_id: int | None) -> LedgerRecord:
    """Mark the record as not standing (recorded in error, or for another person)."""
    if not reason.strip():
        raise RecordRefused("voiding a record needs a reason")
    if record.voided:
        raise RecordRefused(f"record {record.id} is already void")
    record.voided_at, record.void_reason = utcnow(), reason.strip()
    record.version += 1
    _keep(session, record, RecordAction.VOID, actor, user_id, reason.strip())
    return record


def history(session: Session, record_id: int) -> list[RecordVersion]:
    return list(session.scalars(select(RecordVersion).where(RecordVersion.record_id == record_id)
                                .order_by(RecordVersion.version)))
