"""The ledger's reports: the monthly claims of the contracted clinics (請求), the dose counts
for the report to the state, and the residents to remind of a dose (接種勧奨).

Each report is read from the standing records only: a voided record is in none of them. Rows
hold only what the report needs; none holds a My Number, so no export can leak one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from ledger.checks.validation import SEASONAL, VACCINES
from ledger.kit import csv_cells
from ledger.kit.calendar import fiscal_year
from ledger.kit.vaccines import INTERVALS
from models import Clinic, LedgerRecord, RecordSource, Resident

AGE_BANDS: tuple[tuple[str, int], ...] = (
    ("0-4", 0), ("5-11", 5), ("12-19", 12), ("20-64", 20), ("65+", 65),
)
"""The state report's age groups (age at vaccination), each as (label, youngest age in it)."""


SEASONAL_AGE = 65
"""From this age a seasonal vaccination is routine (定期接種), so the city reminds of it."""

"""The month a 年度 begins (April)."""

_BATCH = 1000


@dataclass(frozen=True, slots=True)
class ClaimRow:
    clinic_code: str
    clinic_name: str
    vaccine: str
    doses: int


@dataclass(frozen=True, slots=True)
class CountRow:
    vaccine: str
    dose_number: int
    age_group: str
    sex: str
    doses: int


@dataclass(frozen=True, slots=True)
class DueRow:
    atena_number: str
    name: str
    name_kana: str
    birth_date: date
    address: str
    last_dose: int | None
    last_date: date | None
    status: str


def _given_here() -> tuple[ColumnElement[bool], ...]:
    """Standing records of doses this city gave: a transfer was given, counted and paid for
    by the municipality it came from, so counting it here would count it twice."""
    return LedgerRecord.voided_at.is_(None), LedgerRecord.source != RecordSource.TRANSFER


def monthly_claims(session: Session, year: int, month: int) -> list[ClaimRow]:
    """Doses per clinic and vaccine given in the month, for the clinics' 請求.

    Only counts: the fee per dose is set by each municipality's contract with its clinics
    (and changes with it), so pricing belongs to whoever settles the claim. A dose recorded
    without a clinic code is listed under "" so that it is seen and fixed, not lost."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    statement = (
        select(LedgerRecord.clinic_code, func.coalesce(Clinic.name, ""), LedgerRecord.vaccine,
               func.count())
        .outerjoin(Clinic, Clinic.clinic_code == LedgerRecord.clinic_code)
        .where(*_given_here(), LedgerRecord.vaccinated_on >= first,
               LedgerRecord.vaccinated_on < following)
        .group_by(LedgerRecord.clinic_code, Clinic.name, LedgerRecord.vaccine)
        .order_by(LedgerRecord.clinic_code, LedgerRecord.vaccine)
    )
    return [ClaimRow(*row) for row in session.execute(statement)]


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_group(age: int) -> str:
    """The band of AGE_BANDS; validation refuses a vaccination before birth, so age ≥ 0."""
    return next(label for label, youngest in reversed(AGE_BANDS) if age >= youngest)


def dose_counts(session: Session, start: date, end: date) -> list[CountRow]:
    """Doses given from start to end (both included) per vaccine, dose, age band and sex.

    Ages are counted in Python, not SQL, because the age at a date has no expression that
    SQLite and PostgreSQL share; the records are streamed, so memory holds only the tally.
    For a seasonal vaccine the dose is the season's 年度, as in the ledger."""
    statement = (
        select(LedgerRecord.vaccine, LedgerRecord.dose_number, LedgerRecord.vaccinated_on,
               Resident.birth_date, Resident.sex)
        .join(Resident, Resident.id == LedgerRecord.resident_id)
        .where(*_given_here(), LedgerRecord.vaccinated_on.between(start, end))
    )
    tally: Counter[tuple[str, int, str, str]] = Counter()
    for vaccine, dose, given, born, sex in session.execute(statement).yield_per(_BATCH):
        tally[(vaccine, dose, age_group(age_on(born, given)), sex)] += 1
    band = {label: order for order, (label, _) in enumerate(AGE_BANDS)}
    return [CountRow(*key, doses) for key, doses in
            sorted(tally.items(), key=lambda item: (*item[0][:2], band[item[0][2]], item[0][3]))]


def _years_before(day: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes the 28th in a common year, so that
    one born on it reaches an age on the same day as `age_on` says."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _due_statement(
    vaccine: str, on: date
) -> Select[str, str, str, date, str, int | None, date | None]:
    """The columns of DueRow but its status; the last dose's two are None (outer join) for a
    seasonal vaccine's resident without one."""
    if vaccine not in VACCINES:
        raise ValueError(f"unknown vaccine {vaccine!r}: one of {', '.join(VACCINES)}")
    latest = (
        select(LedgerRecord.resident_id, func.max(LedgerRecord.dose_number).label("dose"))
        .where(LedgerRecord.vaccine == vaccine, LedgerRecord.voided_at.is_(None))
        .group_by(LedgerRecord.resident_id).subquery()
    )
    last = aliased(LedgerRecord)
    statement = (
        select(Resident.atena_number, Resident.name, Resident.name_kana, Resident.birth_date,
               Resident.address, last.dose_number, last.vaccinated_on)
        .outerjoin(latest, latest.c.resident_id == Resident.id)
        .outerjoin(last, and_(last.resident_id == Resident.id, last.vaccine == vaccine,
                              last.dose_number == latest.c.dose))
        .where(or_(Resident.moved_out_on.is_(None), Resident.moved_out_on > on),
               or_(Resident.died_on.is_(None), Resident.died_on > on))
    )
    if vaccine in SEASONAL:
        this_season = exists().where(
            LedgerRecord.resident_id == Resident.id, LedgerRecord.vaccine == vaccine,
            LedgerRecord.dose_number == fiscal_year(on), LedgerRecord.voided_at.is_(None))
        return (statement.where(Resident.birth_date <= _years_before(on, SEASONAL_AGE),
                                ~this_season)
                .order_by(Resident.atena_number))
    return (statement.where(last.vaccinated_on <= on - INTERVALS[vaccine])
            .order_by(last.vaccinated_on, Resident.atena_number))


def _status(vaccine: str, on: date, last_date: date | None) -> str:
    if vaccine in SEASONAL or last_date is None:
        return "due"
    return "overdue" if on - last_date > 2 * INTERVALS[vaccine] else "due"


def due_list(session: Session, vaccine: str, on: date) -> Iterator[DueRow]:
    """Residents to remind of their next dose on `on`, streamed (the list can hold most of
    the city), the most overdue first.

    Non-seasonal: due for dose n+1 once the latest standing dose n is INTERVALS[vaccine] old,
    overdue once it is more than twice that; a resident with no dose of the vaccine is not
    listed. Seasonal: due when SEASONAL_AGE or older on `on` and without a dose of the
    current 年度. Residents who moved out (転出) or died on or before `on` are not listed.
    ValueError for an unknown vaccine."""
    rows = session.execute(_due_statement(vaccine, on)).yield_per(_BATCH)
    return (DueRow(*row, status=_status(vaccine, on, row.vaccinated_on)) for row in rows)


def due_count(session: Session, vaccine: str, on: date) -> int:
    """How many rows due_list will give, known before streaming it (for the audit entry)."""
    listed = _due_statement(vaccine, on).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(listed)) or 0


class _Echo:
    """A file whose write hands the text back, so csv.writer yields one line at a time."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(rows: Iterable[object], columns: Sequence[str]) -> Iterator[bytes]:
    """The CSV as UTF-8 with a byte order mark (utf-8-sig): Japanese Excel reads a file
    without one as Shift_JIS and garbles every name. One chunk per row, for streaming; every
    cell escaped against spreadsheet formulas (ledger.kit.csv_cells)."""
    writer = csv_cells.writer(_Echo())
    yield writer.writerow(columns).encode("utf-8-sig")
    for row in rows:
        yield writer.writerow([getattr(row, column) for column in columns]).encode()


def write_csv(rows: Iterable[object], columns: Sequence[str], handle: BinaryIO) -> int:
    """Write the report to a binary file as csv_chunks does (with the BOM that Japanese Excel
    needs); returns the number of rows, header not counted."""
    chunks = csv_chunks(rows, columns)
    handle.write(next(chunks))
    written = 0
    for chunk in chunks:
        handle.write(chunk)
        written += 1
    return written
