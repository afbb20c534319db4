"""The ledger's reports: the monthly claims of the contracted clinics (請求) and the dose
counts by age band; the reports the schedule engine answers (接種勧奨, the statutory count)
are ledger.reports.programmes.

Each report is read from the standing records only: a voided record is in none of them. Rows
hold only what the report needs; none holds a My Number, so no export can leak one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ledger.kit import csv_cells
from ledger.kit.vaccines import CATALOG
from models import Clinic, LedgerRecord, RecordSource, Resident

AGE_BANDS: tuple[tuple[str, int], ...] = (
    ("0-4", 0), ("5-11", 5), ("12-19", 12), ("20-64", 20), ("65+", 65),
)
"""The state report's age groups (age at vaccination), each as (label, youngest age in it)."""


_BATCH = 1000


@dataclass(frozen=True, slots=True)
class ClaimRow:
    clinic_code: str
    clinic_name: str
    vaccine: str
    programme: str
    """The routine programme the vaccine is given under (ledger/kit/vaccines.json disease)."""
    fee: str
    """実費徴収区分: 公費 (A類, the city pays the whole) or 実費徴収 (B類, a fee is collected)."""
    doses: int


@dataclass(frozen=True, slots=True)
class CountRow:
    vaccine: str
    dose_number: int
    age_group: str
    sex: str
    doses: int


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
    return [ClaimRow(code, name, vaccine, CATALOG[vaccine].disease if vaccine in CATALOG else "",
                     CATALOG[vaccine].fee if vaccine in CATALOG else "", doses)
            for code, name, vaccine, doses in session.execute(statement)]


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
