"""Loading a resident register extract (住民基本台帳の抽出) from CSV.

Re-importable: a row whose 宛名番号 is known updates that resident. The whole file is checked
first and written in one transaction, so a bad row leaves the ledger as it was.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import my_number
from ledger.identifiers import is_valid_my_number
from ledger.validation import parse_date
from models import Resident, Ticket, audit

COLUMNS = ("atena_number", "my_number", "name", "name_kana", "birth_date", "sex", "address",
           "ticket_number")


class ImportRefused(Exception):
    """The file cannot be imported; the message names the line and the column, never a
    My Number."""


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    tickets: int


def _check_row(line: int, row: dict[str, str]) -> None:
    if not row["atena_number"].strip():
        raise ImportRefused(f"line {line}: atena_number is empty")
    if row["my_number"] and not is_valid_my_number(row["my_number"]):
        raise ImportRefused(f"line {line}: my_number is not a valid 個人番号 (check digit)")
    if parse_date(row["birth_date"]) is None:
        raise ImportRefused(f"line {line}: birth_date is not an ISO date (YYYY-MM-DD)")
    if row["sex"] not in ("M", "F"):
        raise ImportRefused(f"line {line}: sex must be M or F")
    if not row["name"].strip():
        raise ImportRefused(f"line {line}: name is empty")


def read_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            absent = [c for c in COLUMNS if c not in header and c != "ticket_number"]
            if absent:
                raise ImportRefused(f"{path.name}: columns missing: {', '.join(absent)}")
            rows = [{c: (r.get(c) or "").strip() for c in COLUMNS} for r in reader]
    except UnicodeDecodeError as error:
        raise ImportRefused(f"{path.name}: not UTF-8 text ({error.reason})") from error
    for line, row in enumerate(rows, start=2):
        _check_row(line, row)
    return rows


def import_residents(session: Session, rows: Iterable[dict[str, str]], *, actor: str
                     ) -> ImportSummary:
    known = {r.atena_number: r for r in session.scalars(select(Resident))}
    tickets = {t.ticket_number: t for t in session.scalars(select(Ticket))}
    created = updated = new_tickets = 0
    for row in rows:
        resident = known.get(row["atena_number"])
        is_new = resident is None
        if resident is None:
            resident = Resident(atena_number=row["atena_number"])
            session.add(resident)
            known[row["atena_number"]] = resident
            created += 1
        else:
            updated += 1
        resident.name = row["name"]
        resident.name_kana = row["name_kana"]
        resident.birth_date = parse_date(row["birth_date"])
        resident.sex = row["sex"]
        resident.address = row["address"]
        if row["my_number"]:
            resident.my_number_hash = my_number.lookup_hash(row["my_number"])
            resident.my_number_encrypted = my_number.encrypt(row["my_number"])
        ticket_number = row["ticket_number"]
        if ticket_number and ticket_number not in tickets:
            tickets[ticket_number] = Ticket(ticket_number=ticket_number, resident=resident)
            session.add(tickets[ticket_number])
            new_tickets += 1
        session.flush()
        audit.record(
            session, actor=actor, action="resident.create" if is_new else "resident.update",
            resident_id=resident.id, subject="register import",
        )
    return ImportSummary(created, updated, new_tickets)
