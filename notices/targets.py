"""Who a notice run is for (対象者抽出): from the schedule engine's due list on the month's last
day, those whose next dose became due within the month (new targets) and, when asked, those
past its recommended days (再勧奨)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from ledger.reports.programmes import DueRow, due_list
from ledger.residents.repository import by_atena_numbers
from models import Resident


@dataclass(frozen=True)
class Target:
    resident: Resident
    due: DueRow

    @property
    def reminder(self) -> bool:
        return self.due.status == "overdue"


def targets(session: Session, programme: str, start: date, end: date, *, reminders: bool
            ) -> list[Target]:
    """In the order a mailing goes out: by postal code (those the register gives none last),
    then address and 宛名番号."""
    rows = [row for row in due_list(session, programme, end)
            if start <= row.earliest <= end or (reminders and row.status == "overdue")]
    people = by_atena_numbers(session, [row.atena_number for row in rows])
    found = [Target(people[row.atena_number], row) for row in rows]
    return sorted(found, key=lambda t: (not t.resident.postal_code, t.resident.postal_code,
                                        t.resident.address, t.resident.atena_number))
