"""The ledger's side of the schedule engine: a resident and their records in force become the
engine's person and doses, so the same rules judge what is already in the ledger, what is
about to enter it and what is due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from ledger.records.repository import records_of
from ledger.schedule.engine import Due, GivenDose, Person, Verdict, due, evaluate
from models import LedgerRecord, Resident


def person_of(resident: Resident) -> Person:
    return Person(resident.birth_date, resident.sex)


def doses_of(records: Sequence[LedgerRecord]) -> list[GivenDose]:
    return [GivenDose(record.vaccine, record.vaccinated_on, record.dose_number,
                      ref=str(record.id)) for record in records]


@dataclass(frozen=True)
class Explanation:
    resident: Resident
    on: date
    verdicts: list[Verdict]
    due: list[Due]


def explain(session: Session, resident: Resident, on: date) -> Explanation:
    """The resident's doses in force, each judged, and what each programme has due on `on`."""
    person, doses = person_of(resident), doses_of(records_of(session, resident.id))
    return Explanation(resident, on, evaluate(person, doses), due(person, doses, on))


def judge_incoming(session: Session, resident_id: int, incoming: GivenDose,
                   *, replacing: int | None = None) -> Verdict:
    """The verdict on a dose about to enter the ledger, beside the resident's doses in force
    (without the record it would replace, when it corrects one)."""
    resident = session.get_one(Resident, resident_id)
    doses = [dose for dose in doses_of(records_of(session, resident_id))
             if replacing is None or dose.ref != str(replacing)]
    verdicts = evaluate(person_of(resident), [*doses, incoming])
    return next(verdict for verdict in verdicts if verdict.dose is incoming)
