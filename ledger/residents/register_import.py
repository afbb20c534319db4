"""Loading what the city already knows from CSV: the resident register extract
(住民基本台帳の抽出), the vaccination tickets issued (接種券), the lot master and the
contracted clinics (委託医療機関) with their doctors.

Each file is read and checked whole before anything is written, and written in the caller's
one transaction, so a bad row leaves the ledger as it was. Re-importing updates by key.
Messages name the line and the column, never a My Number.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.checks.validation import VACCINES, parse_date
from ledger.kit.identifiers import is_valid_local_government_code, is_valid_my_number
from ledger.residents import my_number
from models import Clinic, Lot, Resident, Ticket, audit

POSTAL_CODE = re.compile(r"\d{3}-?\d{4}")

Row = dict[str, str]
T = TypeVar("T")


class ImportRefused(Exception):
    """The file cannot be imported; the message says where and why."""


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


@dataclass(frozen=True)
class CsvFormat:
    columns: tuple[str, ...]
    check: Callable[[Row], str]
    optional: tuple[str, ...] = ()
    """Columns a file may leave out (read as empty)."""


def _resident_problem(row: Row) -> str:
    if not row["atena_number"]:
        return "atena_number is empty"
    if row["my_number"] and not is_valid_my_number(row["my_number"]):
        return "my_number is not a valid 個人番号 (check digit)"
    if parse_date(row["birth_date"]) is None:
        return "birth_date is not an ISO date (YYYY-MM-DD)"
    if row["sex"] not in ("M", "F"):
        return "sex must be M or F"
    for column in ("moved_out_on", "died_on"):
        if row[column] and parse_date(row[column]) is None:
            return f"{column} is not an ISO date (YYYY-MM-DD)"
    if row["postal_code"] and not POSTAL_CODE.fullmatch(row["postal_code"].strip()):
        return "postal_code must be 7 digits (NNN-NNNN or NNNNNNN)"
    return "" if row["name"] else "name is empty"


def postal_code(value: str) -> str:
    """NNN-NNNN, the way the post office prints it, from either spelling; "" for none."""
    digits = value.strip().replace("-", "")
    return f"{digits[:3]}-{digits[3:]}" if digits else ""


def _ticket_problem(row: Row) -> str:
    if not (len(row["ticket_number"]) == 10 and row["ticket_number"].isdigit()):
        return "ticket_number must be 10 digits"
    if not is_valid_local_government_code(row["municipality_code"]):
        return "municipality_code is not a valid 地方公共団体コード (check digit)"
    for column in ("ticket_kind", "ticket_dose"):
        if row[column] and not (len(row[column]) == 1 and row[column].isdigit()):
            return f"{column} must be one digit"
    return "" if row["atena_number"] else "atena_number is empty"


def _clinic_problem(row: Row) -> str:
    if not (len(row["clinic_code"]) == 10 and row["clinic_code"].isdigit()):
        return "clinic_code must be 10 digits"
    return "" if row["name"] else "name is empty"


def _lot_problem(row: Row) -> str:
    if not row["lot_number"]:
        return "lot_number is empty"
    if row["expires_on"] and parse_date(row["expires_on"]) is None:
        return "expires_on must be a date (YYYY-MM-DD) or empty"
    return "" if row["vaccine"] in VACCINES else f"vaccine must be one of {', '.join(VACCINES)}"


RESIDENTS = CsvFormat(("atena_number", "my_number", "name", "name_kana", "birth_date", "sex",
                       "address", "postal_code", "moved_out_on", "died_on"), _resident_problem,
                      optional=("postal_code", "moved_out_on", "died_on"))
TICKETS = CsvFormat(("ticket_number", "atena_number", "municipality_code", "ticket_kind",
                     "ticket_dose"), _ticket_problem)
LOTS = CsvFormat(("lot_number", "vaccine", "manufacturer", "expires_on"), _lot_problem,
                 optional=("expires_on",))
CLINICS = CsvFormat(("clinic_code", "name", "doctors"), _clinic_problem)


def read_rows(path: Path, form: CsvFormat) -> list[Row]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            absent = [c for c in form.columns
                      if c not in (reader.fieldnames or []) and c not in form.optional]
            if absent:
                raise ImportRefused(f"{path.name}: columns missing: {', '.join(absent)}")
            rows = [{c: (r.get(c) or "").strip() for c in form.columns} for r in reader]
    except UnicodeDecodeError as error:
        raise ImportRefused(f"{path.name}: not UTF-8 text ({error.reason})") from error
    except OSError as error:
        raise ImportRefused(f"{path}: cannot be read ({error.strerror})") from error
    for line, row in enumerate(rows, start=2):
        if problem := form.check(row):
            raise ImportRefused(f"{path.name} line {line}: {problem}")
    return rows


class _Keyed(Generic[T]):
    """The rows of one table by their key, adding a new one where the key is unknown, and
    counting which of the two each imported row was."""

    def __init__(self, session: Session, rows: Iterable[T], key: Callable[[T], str],
                 make: Callable[[str], T]) -> None:
        self.session, self.make = session, make
        self.known = {key(row): row for row in rows}
        self.created = self.updated = 0

    def get(self, key: str) -> tuple[T, bool]:
        row = self.known.get(key)
        if row is not None:
            self.updated += 1
            return row, False
        row = self.known[key] = self.make(key)
        self.session.add(row)
        self.created += 1
        return row, True

    def finish(self, *, actor: str, action: str) -> ImportSummary:
        """Write the rows and one audit entry that says how many were new or changed."""
        summary = ImportSummary(self.created, self.updated)
        self.session.flush()
        audit.record(self.session, actor=actor, action=action, detail=asdict(summary))
        return summary


def import_residents(session: Session, rows: list[Row], *, actor: str) -> ImportSummary:
    residents = _Keyed(session, session.scalars(select(Resident)), lambda r: r.atena_number,
                       lambda key: Resident(atena_number=key))
    for row in rows:
        resident, new = residents.get(row["atena_number"])
        resident.name, resident.name_kana = row["name"], row["name_kana"]
        birth_date = parse_date(row["birth_date"])
        if birth_date is None:  # read_rows refused such a row (see _resident_problem)
            raise ImportRefused(f"birth_date {row['birth_date']!r} is not an ISO date")
        resident.birth_date = birth_date
        resident.sex, resident.address = row["sex"], row["address"]
        resident.postal_code = postal_code(row["postal_code"])
        resident.moved_out_on = parse_date(row["moved_out_on"]) if row["moved_out_on"] else None
        resident.died_on = parse_date(row["died_on"]) if row["died_on"] else None
        if row["my_number"]:
            resident.my_number_hash = my_number.lookup_hash(row["my_number"])
            resident.my_number_encrypted = my_number.encrypt(row["my_number"])
        session.flush()
        audit.record(session, actor=actor, action="resident.create" if new else "resident.update",
                     resident_id=resident.id, subject="register import")
    return ImportSummary(residents.created, residents.updated)


def import_tickets(session: Session, rows: list[Row], *, actor: str) -> ImportSummary:
    holders = dict(session.execute(select(Resident.atena_number, Resident.id)).all())
    tickets = _Keyed(session, session.scalars(select(Ticket)), lambda t: t.ticket_number,
                     lambda key: Ticket(ticket_number=key))
    for line, row in enumerate(rows, start=2):
        resident_id = holders.get(row["atena_number"])
        if resident_id is None:
            raise ImportRefused(f"line {line}: no resident with atena_number "
                                f"{row['atena_number']}; import the register first")
        ticket, _ = tickets.get(row["ticket_number"])
        ticket.resident_id = resident_id
        ticket.municipality_code = row["municipality_code"]
        ticket.ticket_kind, ticket.ticket_dose = row["ticket_kind"], row["ticket_dose"]
    return tickets.finish(actor=actor, action="tickets.import")


def import_lots(session: Session, rows: list[Row], *, actor: str) -> ImportSummary:
    lots = _Keyed(session, session.scalars(select(Lot)), lambda lot: lot.lot_number,
                  lambda key: Lot(lot_number=key))
    for row in rows:
        lot, _ = lots.get(row["lot_number"])
        lot.vaccine, lot.manufacturer = row["vaccine"], row["manufacturer"]
        lot.expires_on = parse_date(row["expires_on"]) if row["expires_on"] else None
    return lots.finish(actor=actor, action="lots.import")


def import_clinics(session: Session, rows: list[Row], *, actor: str) -> ImportSummary:
    clinics = _Keyed(session, session.scalars(select(Clinic)), lambda c: c.clinic_code,
                     lambda key: Clinic(clinic_code=key))
    for row in rows:
        clinic, _ = clinics.get(row["clinic_code"])
        clinic.name = row["name"]
        clinic.doctors = [d.strip() for d in row["doctors"].split("、") if d.strip()]
    return clinics.finish(actor=actor, action="clinics.import")


IMPORTS: dict[str, tuple[CsvFormat, Callable[..., ImportSummary]]] = {
    "residents": (RESIDENTS, import_residents),
    "tickets": (TICKETS, import_tickets),
    "lots": (LOTS, import_lots),
    "clinics": (CLINICS, import_clinics),
}
"""Each kind of record the city supplies, in the order they must be imported (a ticket
names its resident)."""
