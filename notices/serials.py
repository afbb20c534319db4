"""The serials of personal forms: opaque, random, and one valid per person, programme and
dose (printing a form again withdraws the serial before)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ledger.residents.repository import by_atena_numbers
from models import NoticeRun, NoticeRunState, NoticeSerial, audit
from models.base import utcnow

SERIAL_BYTES = 10
"""80 random bits, 16 base32 characters: no guessing a serial of a form one never held."""


def new_serial() -> str:
    return base64.b32encode(secrets.token_bytes(SERIAL_BYTES)).decode()


@dataclass(frozen=True)
class Letter:
    """What the letter beside the form says, kept on the serial for the worker that prints
    the run after the request that issued it has ended."""

    phase: str
    due_from: date
    due_until: date | None
    reminder: bool


def issue(session: Session, run: NoticeRun, *, resident_id: int, programme: str, dose: int,
          form_id: str, letter: Letter) -> NoticeSerial:
    session.execute(update(NoticeSerial).where(
        NoticeSerial.resident_id == resident_id, NoticeSerial.programme == programme,
        NoticeSerial.dose == dose, NoticeSerial.withdrawn_at.is_(None)).values(
        withdrawn_at=utcnow()))
    serial = NoticeSerial(serial=new_serial(), run_id=run.id, resident_id=resident_id,
                          programme=programme, dose=dose, form_id=form_id, phase=letter.phase,
                          due_from=letter.due_from, due_until=letter.due_until,
                          reminder=letter.reminder)
    session.add(serial)
    return serial


def valid_serials(session: Session, resident_id: int) -> list[NoticeSerial]:
    return list(session.scalars(select(NoticeSerial).where(
        NoticeSerial.resident_id == resident_id, NoticeSerial.withdrawn_at.is_(None))))


def import_handed_out(session: Session, rows: Iterable[Mapping[str, str]], *, actor: str,
                      on: date) -> int:
    """Serials of personal forms printed elsewhere (a generated set's notices.csv: serial,
    atena_number, programme, dose, form_id), one run per programme, so the measuring commands
    and the demo meet personal forms as a city that mailed them would. KeyError names a
    宛名番号 not in the register."""
    by_programme: dict[str, list[Mapping[str, str]]] = {}
    for row in rows:
        by_programme.setdefault(row["programme"], []).append(row)
    for programme, handed in by_programme.items():
        run = NoticeRun(programme=programme, period_start=on, period_end=on, reminders=False,
                        people=len(handed), created_by=actor, state=NoticeRunState.DONE,
                        progress=len(handed))  # printed already: nothing for a worker
        session.add(run)
        session.flush()
        people = by_atena_numbers(session, (row["atena_number"] for row in handed))
        for row in handed:
            resident = people.get(row["atena_number"])
            if resident is None:
                raise KeyError(f"notices.csv: 宛名番号 {row['atena_number']} is not in the "
                               "register")
            session.add(NoticeSerial(serial=row["serial"], run_id=run.id, resident_id=resident.id,
                                     programme=programme, dose=int(row["dose"]),
                                     form_id=row["form_id"]))
        audit.record(session, actor=actor, action="notices.import",
                     subject=f"notice_run:{run.id}",
                     detail={"programme": programme, "people": len(handed)})
    return sum(len(handed) for handed in by_programme.values())
