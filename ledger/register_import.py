"""Loading what the city already knows from CSV: the resident register extract
(住民基本台帳の抽出), the vaccination tickets issued (接種券), and the lot master.

Each file is read and checked whole before anything is written, and written in the caller's
one transaction, so a bad row leaves the ledger as it was. Re-importing updates by key.
Messages name the line and the column, never a My Number.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import my_number
from ledger.identifiers import is_valid_local_government_code, is_valid_my_number
from ledger.validation import VACCINES, parse_date
from models import Lot, Resident, Ticket, audit

Row = dict[str, str]


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


def _resident_problem(row: Row) -> str:
    if not row["atena_number"]:
        return "atena_number is empty"
    if row["my_number"] and not is_valid_my_number(row["my_number"]):
        return "my_number is not a valid 個人番号 (check digit)"
    if parse_date(row["birth_date"]) is None:
        return "birth_date is not an ISO date (YYYY-MM-DD)"
    if row["sex"] not in ("M", "F"):
        return "sex must be M or F"
    return "" if row["name"] else "name is empty"


def _ticket_problem(row: Row) -> str:
    if not (len(row["ticket_number"]) == 10 and row["ticket_number"].isdigit()):
        return "ticket_number must be 10 digits"
    if not is_valid_local_government_code(row["municipality_code"]):
        return "municipality_code is not a valid 地方公共団体コード (check digit)"
    for column in ("ticket_kind", "ticket_dose"):
        if row[column] and not (len(row[column]) == 1 and row[column].isdigit()):
            return f"{column} must be one digit"
    return "" if row["atena_number"] else "atena_number is empty"


def _lot_problem(row: Row) -> str:
    if not row["lot_number"]:
        return "lot_number is empty"
    return "" if row["vaccine"] in VACCINES else f"vaccine must be one of {', '.join(VACCINES)}"


RESIDENTS = CsvFormat(("atena_number", "my_number", "name", "name_kana", "birth_date", "sex",
                       "address"), _resident_problem)
TICKETS = CsvFormat(("ticket_number", "atena_number", "municipality_code", "ticket_kind",
                     "ticket_dose"), _ticket_problem)
LOTS = CsvFormat(("lot_number", "vaccine", "manufacturer"), _lot_problem)


def read_rows(path: Path, form: CsvFormat) -> list[Row]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            absent = [c for c in form.columns if c not in (reader.fieldnames or [])]
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


def import_residents(session: Session, rows: list[Row], *, actor: str) -> ImportSummary:
    known = {r.atena_number: r for r in session.scalars(select(Resident))}
    created = updated = 0
    for row in rows:
        resident = known.get(row["atena_number"])
        action = "resident.update"
        if resident is None:
            resident = known[row["atena_number"]] = Resident(atena_number=row["atena_number"])
            session.add(resident)
            action = "resident.create"
            created += 1
        else:
            updated += 1
        resident.name, resident.name_kana = row["name"], row["name_kana"]
        resident.birth_date = parse_date(row["birth_date"])
        resident.sex, resident.address = row["sex"], row["address"]
        if row["my_number"]:
            resident.my_number_hash = my_number.lookup_hash(row["my_number"])
            resident.my_number_encrypted = my_number.encrypt(row["my_number"])
        session.flush()
        audit.record(session, actor=actor, action=action, resident_id=resident.id,
                     subject="register import")
    return ImportSummary(created, updated)


def import_tickets(session: Session, rows: list[Row], *, actor: str) -> ImportSummary:
    residents = dict(session.execute(select(Resident.atena_number, Resident.id)).all())
    known = {t.ticket_number: t for t in session.scalars(select(Ticket))}
    created = updated = 0
    for line, row in enumerate(rows, start=2):
        resident_id = residents.get(row["atena_number"])
        if resident_id is None:
            raise ImportRefused(f"line {line}: no resident with atena_number "
                                f"{row['atena_number']}; import the register first")
        ticket = known.get(row["ticket_number"])
        if ticket is None:
            ticket = known[row["ticket_number"]] = Ticket(ticket_number=row["ticket_number"])
            session.add(ticket)
            created += 1
        else:
            updated += 1
        ticket.resident_id = resident_id
        ticket.municipality_code = row["municipality_code"]
        ticket.ticket_kind, ticket.ticket_dose = row["ticket_kind"], row["ticket_dose"]
    session.flush()
    audit.record(session, actor=actor, action="tickets.import",
                 detail={"created": created, "updated": updated})
    return ImportSummary(created, updated)


def import_lots(session: Session, rows: list[Row], *, actor: str) -> ImportSummary:
    known = {lot.lot_number: lot for lot in session.scalars(select(Lot))}
    created = updated = 0
    for row in rows:
        lot = known.get(row["lot_number"])
        if lot is None:
            lot = known[row["lot_number"]] = Lot(lot_number=row["lot_number"])
            session.add(lot)
            created += 1
        else:
            updated += 1
        lot.vaccine, lot.manufacturer = row["vaccine"], row["manufacturer"]
    session.flush()
    audit.record(session, actor=actor, action="lots.import",
                 detail={"created": created, "updated": updated})
    return ImportSummary(created, updated)
