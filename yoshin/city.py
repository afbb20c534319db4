"""Loading what the city already knows from a folder of CSVs (as a generated set has them)
into the current installation, for the demo and the measuring commands."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from ledger.residents import register_import as register
from models import Role, User
from models.clock import city_today
from models.db import session_scope
from notices.serials import import_handed_out


def load_city(directory: Path, actor: str) -> list[str]:
    """Import each of residents.csv, tickets.csv, lots.csv and clinics.csv in the folder, and
    the personal forms handed out (notices.csv) when the set has some. Returns those of the
    four the folder lacks: a set of pages alone still reads, but no page's person, ticket,
    lot or clinic can be confirmed, and a caller measuring it should say so."""
    missing = []
    with session_scope() as session:
        for what, (form, importer) in register.IMPORTS.items():
            path = directory / f"{what}.csv"
            if path.exists():
                importer(session, register.read_rows(path, form), actor=actor)
            else:
                missing.append(path.name)
        handed_out = directory / "notices.csv"
        if handed_out.exists():
            with handed_out.open(encoding="utf-8", newline="") as stream:
                import_handed_out(session, csv.DictReader(stream), actor=actor,
                                  on=city_today())
    return missing


def ensure_user(username: str, role: Role) -> None:
    with session_scope() as session:
        if session.scalar(select(User).where(User.username == username)) is None:
            session.add(User(username=username, role=role))
