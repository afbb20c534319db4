"""What the city's records refute on a form, beyond the form's own rules (ledger.checks.validation):
a ticket the city never issued, a lot it never received (or one past its expiry on the day),
a clinic it has no contract with or a doctor that clinic does not list, a birth date or sex
other than the matched resident's, a vaccination date before the vaccine was given in Japan
or not after the person's earlier dose of the same disease, and a dose the schedule engine
says is no valid routine dose for the person (接種間違い: ages, intervals, dose number,
volume).

A reader's confident misreading of one digit makes a value that passes every rule of the
form; these checks are the independent evidence that catches it, so a page carrying one
goes to a person with the reason beside the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ledger.checks.confirmation import DOCTOR_KEYS
from ledger.checks.serials import serial_problems
from ledger.checks.validation import parse_date
from ledger.clinics.repository import any_clinic, clinic_by_code
from ledger.kit.text import normalise
from ledger.kit.vaccines import CATALOG
from ledger.schedule.engine import GivenDose
from ledger.schedule.service import judge_incoming
from models import LedgerRecord, Lot, Resident, Ticket

MISTAKE = "接種間違い"
"""The word the review screen, the reports and a supervisor's override use for a dose the
schedule engine says is not a valid routine dose."""
MISTAKE_FIELDS = {"dose_number": "dose_number", "volume": "dose_ml", "product": "vaccine",
                  "unknown": "vaccine"}
"""Where a reason is shown: on the value it is about; the date for every other reason (ages,
intervals, the season, a dose after the series is complete)."""



def _listed(session: Session, column: InstrumentedAttribute[str], value: str) -> bool:
    return bool(session.scalar(select(exists().where(column == value))))


def _lists(session: Session, values: Mapping[str, str]) -> dict[str, str]:
    """The city's lists: issued tickets, the lot master, the contracted clinics. A list the
    city never loaded refutes nothing."""
    problems: dict[str, str] = {}
    ticket = values.get("ticket_number")
    if ticket and not _listed(session, Ticket.ticket_number, ticket):
        problems["ticket_number"] = "発行した接種券の番号ではありません"
    lot, vaccine = values.get("lot_number"), values.get("vaccine")
    if lot and _listed(session, Lot.vaccine, vaccine or "") and not session.scalar(
            select(exists().where(Lot.lot_number == lot, Lot.vaccine == vaccine))):
        problems["lot_number"] = "ロット台帳にないロット番号です"
    expired = _expired(session, lot or "", values.get("vaccination_date", ""))
    if expired:
        problems.setdefault("lot_number", expired)
    code = values.get("clinic_code")
    clinic = clinic_by_code(session, code or "")
    if code and clinic is None and any_clinic(session):
        problems["clinic_code"] = "委託医療機関の一覧にないコードです"
    if clinic is not None and clinic.doctors:
        doctors = {normalise(doctor) for doctor in clinic.doctors}
        for key in DOCTOR_KEYS:
            name = values.get(key)
            if name and normalise(name) not in doctors:
                problems[key] = "この委託医療機関の医師の名前ではありません"
    return problems


def _expired(session: Session, lot_number: str, given: str) -> str:
    """A 接種間違い when the lot master says the lot had expired on the day of the dose."""
    day = parse_date(given)
    expires = session.scalar(select(Lot.expires_on).where(Lot.lot_number == lot_number)) \
        if lot_number and day else None
    if expires is None or day is None or day <= expires:
        return ""
    return f"{MISTAKE}: 有効期限（{expires.isoformat()}）を過ぎたロットです"


def _resident(resident: Resident, values: Mapping[str, str]) -> dict[str, str]:
    """The register's birth date and sex of the resident the page is matched to."""
    problems: dict[str, str] = {}
    born = values.get("birth_date")
    if born and parse_date(born) != resident.birth_date:
        problems["birth_date"] = "住民記録の生年月日と異なります"
    sex = values.get("sex")
    if sex and resident.sex and sex != resident.sex:
        problems["sex"] = "住民記録の性別と異なります"
    return problems


def _order(given: date, dose: int | None, product: str, record: LedgerRecord) -> str:
    """Whether a dose given on `given` as dose `dose` fits beside an earlier record of the
    same disease: not on its day, after every lower-numbered dose, before every higher one.
    The same dose of the same product again is the commit's duplicate, reported there."""
    if record.vaccine == product and (dose is None or record.dose_number == dose):
        return ""
    if record.vaccinated_on == given:
        return "同じ病気の別の接種と同じ日付です"
    if dose is not None and record.dose_number < dose and record.vaccinated_on > given:
        return f"{record.dose_number}回目の接種日より前の日付です"
    if dose is not None and dose < record.dose_number and given > record.vaccinated_on:
        return f"{record.dose_number}回目の接種日より後の日付です"
    return ""


def _vaccination_date(session: Session, values: Mapping[str, str], resident_id: int | None,
                      page_id: int | None) -> str:
    given, vaccine = parse_date(values.get("vaccination_date", "")), CATALOG.get(
        values.get("vaccine", ""))
    if given is None or vaccine is None:
        return ""
    if given < vaccine.first_given:
        return f"このワクチンの接種開始（{vaccine.first_given.isoformat()}）より前の日付です"
    if resident_id is None:
        return ""
    dose_text = values.get("dose_number", "")
    dose = int(dose_text) if dose_text.isdigit() else None
    products = [name for name, known in CATALOG.items() if known.disease == vaccine.disease]
    records = session.scalars(select(LedgerRecord).where(
        LedgerRecord.resident_id == resident_id, LedgerRecord.vaccine.in_(products),
        LedgerRecord.voided_at.is_(None))).all()
    for record in records:
        problem = "" if page_id is not None and record.page_id == page_id else \
            _order(given, dose, values["vaccine"], record)
        if problem:
            return problem
    return ""


def schedule_mistake(session: Session, values: Mapping[str, str], resident_id: int | None,
                     page_id: int | None = None) -> tuple[str, str] | None:
    """(field key, problem) when the dose the values record is not a valid routine dose for
    the resident beside their doses in force (ledger.schedule.engine), None when it is or
    the values do not yet name a resident, a known vaccine and a date."""
    given = parse_date(values.get("vaccination_date", ""))
    product = values.get("vaccine", "")
    if resident_id is None or given is None or product not in CATALOG:
        return None
    dose_text = values.get("dose_number", "")
    incoming = GivenDose(product, given, int(dose_text) if dose_text.isdigit() else None,
                         values.get("dose_ml", ""))
    own = session.scalar(select(LedgerRecord.id).where(LedgerRecord.page_id == page_id)) \
        if page_id is not None else None
    verdict = judge_incoming(session, resident_id, incoming, replacing=own)
    if verdict.valid:
        return None
    reason = verdict.reasons[0]
    return MISTAKE_FIELDS.get(reason.code, "vaccination_date"), f"{MISTAKE}: {reason.text}"


def record_problems(session: Session, values: Mapping[str, str], resident_id: int | None,
                    page_id: int | None = None) -> dict[str, str]:
    """Problems by field key that the city's records show; `resident_id` is the resident
    the page is matched to (by the reader or a person), `page_id` the page itself, whose own
    committed record is no earlier dose."""
    problems = _lists(session, values)
    resident = session.get(Resident, resident_id) if resident_id is not None else None
    if resident is not None:
        problems |= _resident(resident, values)
    problem = _vaccination_date(session, values, resident_id, page_id)
    if problem:
        problems.setdefault("vaccination_date", problem)
    mistake = schedule_mistake(session, values, resident_id, page_id)
    if mistake is not None:
        problems.setdefault(*mistake)
    for key, problem in serial_problems(session, values, resident_id, page_id).items():
        problems.setdefault(key, problem)
    return problems
