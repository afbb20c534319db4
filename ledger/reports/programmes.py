"""The reports the schedule engine answers: who is due or overdue for a programme on a day
(接種勧奨 and 再勧奨), and how many valid routine doses of each disease and 期 were given in a
年度 (the count 予防接種法施行令第7条 asks for), with the doses the engine calls 接種間違い
beside them.

Both judge every dose with the same engine that checks incoming forms
(ledger.schedule.engine), so a dose counted here is one the ledger would have accepted, and
a resident listed as due is one a form for that dose would not be refused for.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from ledger.records.repository import (
    in_force_of_products,
    records_in_force_of_many,
    resident_ids_given_between,
)
from ledger.residents.repository import by_ids, present_on
from ledger.schedule.days import fiscal_year_end, fiscal_year_start
from ledger.schedule.engine import GivenDose, Person, due_in, evaluate, master
from ledger.schedule.rules import Series
from ledger.schedule.service import doses_of
from models import LedgerRecord, RecordSource

_CHUNK = 500
"""Residents whose records are read in one query (well under SQLite's variable limit)."""


class UnknownProgramme(ValueError):
    """A programme or product the vaccine master does not hold."""


@dataclass(frozen=True, slots=True)
class DueRow:
    atena_number: str
    name: str
    name_kana: str
    birth_date: date
    address: str
    programme: str
    phase: str
    dose: int
    earliest: date
    recommended_until: date | None
    last: date | None
    status: str
    """due, or overdue once the recommended days are past (再勧奨)."""


@dataclass(frozen=True, slots=True)
class StatutoryRow:
    programme: str
    phase: str
    part: str
    dose: int
    valid: int
    """Valid routine doses this city gave in the 年度."""
    mistakes: int
    """Doses given as routine in the 年度 that the engine says were not (接種間違い)."""


def programme(name: str) -> Series:
    """The programme a series id or a product names (pfizer → covid19)."""
    rules = master().rules
    found = next((series for series in rules.series if series.id == name), None) \
        or rules.of_product(name)
    if found is None:
        raise UnknownProgramme(f"unknown programme {name!r}: one of "
                               + ", ".join(series.id for series in rules.series))
    return found


def due_list(session: Session, name: str, on: date) -> list[DueRow]:
    """Residents on the register on `on` for whom the programme's next dose is a routine
    dose that day, overdue first (the earliest day longest past), then by 宛名番号.
    UnknownProgramme for a name the master does not hold."""
    series = programme(name)
    known = master()
    products = set(series.products) | {name for name, product in known.products.items()
                                       if product.live and product.route in ("SC", "IM", "ID")}
    doses: dict[int, list[GivenDose]] = defaultdict(list)
    records = in_force_of_products(session, products)
    for record, dose in zip(records, doses_of(records), strict=True):
        doses[record.resident_id].append(dose)
    rows = []
    for resident in present_on(session, on):
        person = Person(resident.birth_date, resident.sex)
        next_dose = due_in(series, person, doses.get(resident.id, []), on, known)
        if next_dose is None or next_dose.earliest > on:
            continue
        late = next_dose.recommended_until is not None and on > next_dose.recommended_until
        rows.append(DueRow(resident.atena_number, resident.name, resident.name_kana,
                           resident.birth_date, resident.address, series.id, next_dose.phase,
                           next_dose.dose, next_dose.earliest, next_dose.recommended_until,
                           next_dose.last, "overdue" if late else "due"))
    return sorted(rows, key=lambda row: (row.status != "overdue", row.earliest,
                                         row.atena_number))


def _chunks(ids: Sequence[int]) -> list[Sequence[int]]:
    return [ids[start:start + _CHUNK] for start in range(0, len(ids), _CHUNK)]


def statutory_counts(session: Session, year: int) -> list[StatutoryRow]:
    """Per programme, 期 and dose: the routine doses this city gave in 年度 `year` that the
    engine counts valid, and those it does not. Each resident's whole history is judged (a
    dose's validity depends on the ones before it, transfers from other cities included),
    but only doses given here in the year are counted: a transfer is counted where given."""
    start, end = fiscal_year_start(year), fiscal_year_end(year)
    known = master()
    by_id = {series.id: series for series in known.rules.series}
    tally: Counter[tuple[str, str, str, int, bool]] = Counter()
    for ids in _chunks(resident_ids_given_between(session, start, end)):
        residents = {resident.id: resident for resident in by_ids(session, ids)}
        history: dict[int, list[LedgerRecord]] = defaultdict(list)
        for record in records_in_force_of_many(session, ids):
            history[record.resident_id].append(record)
        for resident_id, records in history.items():
            resident = residents[resident_id]
            counted = {str(r.id) for r in records if r.source != RecordSource.TRANSFER
                       and start <= r.vaccinated_on <= end}
            person = Person(resident.birth_date, resident.sex)
            for verdict in evaluate(person, doses_of(records), known):
                if verdict.dose.ref in counted and verdict.series:
                    series = by_id[verdict.series]
                    seasonal = series.per_fiscal_year or any(p.per_fiscal_year
                                                             for p in series.phases)
                    dose = 1 if seasonal else verdict.counted_as or 0
                    tally[(series.id, verdict.phase, verdict.part, dose, verdict.valid)] += 1
    order = {series.id: index for index, series in enumerate(known.rules.series)}
    keys = sorted({key[:4] for key in tally}, key=lambda key: (order[key[0]], key[3], key[1]))
    return [StatutoryRow(by_id[key[0]].name_ja, key[1], key[2], key[3],
                         tally[(*key, True)], tally[(*key, False)]) for key in keys]
