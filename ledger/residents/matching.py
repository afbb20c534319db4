"""Finding the resident (宛名) a form belongs to, from what the city already knows.

The ticket number leads to the resident it was issued to; the register then confirms the
name, reading and birth date. A match is trusted without a person only when exactly one
resident fits and the identifying values agree (names may be a character or two off, as a
reader misreads them: see `ledger.checks.confirmation.near`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ledger.checks.confirmation import near
from ledger.checks.validation import parse_date
from models import Resident, Ticket

HARD = frozenset({"ticket_number", "birth_date", "sex"})
"""Identifiers that are read reliably enough that a difference means another person."""


@dataclass(frozen=True)
class Candidate:
    resident: Resident
    agrees: list[str] = field(default_factory=list)
    differs: list[str] = field(default_factory=list)
    ticket_on_form: bool = False

    @property
    def certain(self) -> bool:
        """By the ticket it was issued with, the birth date and one of name, reading or
        address (names written beyond the reader's reach are then confirmed on the image, see
        ledger.checks.confirmation); or, on a form without a ticket, by birth date and two of name,
        reading and address, one of them a name (twins share all but a name: `unique_match`
        then finds two). A name the reader could not make out does not count against a match
        the ticket and birth date make (it stays for a person to read); a differing birth
        date or sex always does."""
        agrees = set(self.agrees)
        if HARD & set(self.differs) or "birth_date" not in agrees:
            return False
        if "ticket_number" in agrees:
            return bool({"name", "name_kana", "address"} & agrees)
        named = {"name", "name_kana"} & agrees
        return bool(named) and len(named | {"address"} & agrees) >= 2 \
            and not self.ticket_on_form


def _compare(resident: Resident, values: Mapping[str, str], ticket_holder: int | None
             ) -> Candidate:
    agrees: list[str] = []
    differs: list[str] = []
    checks = {
        "ticket_number": ticket_holder == resident.id if ticket_holder else None,
        "birth_date": parse_date(values.get("birth_date", "")) == resident.birth_date,
        "name": near(values.get("name", ""), resident.name),
        "name_kana": near(values.get("name_kana", ""), resident.name_kana),
        "address": near(values.get("address", ""), resident.address) or None,
        "sex": values.get("sex") == resident.sex if values.get("sex") else None,
    }
    for key, same in checks.items():
        if same is True:
            agrees.append(key)
        elif same is False:
            differs.append(key)
    return Candidate(resident, agrees, differs, bool(values.get("ticket_number")))


def find_candidates(session: Session, values: Mapping[str, str], limit: int = 10
                    ) -> list[Candidate]:
    """Residents who may have filled this form, best first."""
    ticket = session.scalar(
        select(Ticket).where(Ticket.ticket_number == values.get("ticket_number", ""))
    )
    holder = ticket.resident_id if ticket else None
    born = parse_date(values.get("birth_date", ""))
    clauses = [Resident.id == holder] if holder else []
    if born:
        clauses.append(Resident.birth_date == born)
    if not clauses:
        return []
    found = session.scalars(select(Resident).where(or_(*clauses)).limit(200)).all()
    candidates = [_compare(r, values, holder) for r in found]
    candidates = [c for c in candidates if c.resident.id == holder or len(c.agrees) >= 2]
    candidates.sort(key=lambda c: (len(c.differs) - len(c.agrees), c.resident.id))
    return candidates[:limit]


def unique_match(candidates: list[Candidate]) -> Resident | None:
    """The one resident to link without asking a person, or None."""
    certain = [c for c in candidates if c.certain]
    return certain[0].resident if len(certain) == 1 else None
