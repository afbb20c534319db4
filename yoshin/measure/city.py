"""A generated city for the schedule's reports: residents of every age, as a city's register
holds them, with the doses a real population has — most children on time, some late, some
never, a few doses given too early (接種間違い); the elderly with a season's influenza in
about half the years, the COVID-19 doses of the 特例臨時接種 and of the B類 seasons.

Histories are drawn with the engine itself: each next dose is given near its recommended
days (or late, or not at all), so a history is one a city could hold; the few mistakes are
made on purpose, a few days before the dose's first day. Written in bulk (a fixture, so
without the per-row audit entries a real import writes)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import insert, select

from ledger.kit.calendar import fiscal_year
from ledger.schedule.engine import GivenDose, Person, due_in, master
from ledger.schedule.rules import Series
from models import LedgerRecord, Resident
from models.db import session_scope

AGE_SHARES = ((0, 14, 0.12), (15, 64, 0.59), (65, 100, 0.29))
"""Japan's population by age group (総務省 人口推計, rounded): the register's ages."""
UPTAKE = {"A": 0.93, "B": 0.5}
"""How likely a next dose is given at all: children's routine doses nearly always, the
elderly's B類 doses about half the time."""
LATE = 0.15
"""How often a dose comes weeks or months after its recommended days."""
MISTAKE = 0.01
"""How often a dose is given a few days before its first day."""
SEASONS = 5
B_CLASS_COVID = date(2024, 4, 1)
"""Seasons of influenza history written for the elderly."""
_WRITE = 2000


def _birth(rng: random.Random, on: date) -> date:
    low, high, _ = rng.choices(AGE_SHARES, weights=[share for *_, share in AGE_SHARES])[0]
    return on - timedelta(days=rng.randrange(low * 365, (high + 1) * 365))


def _when(rng: random.Random, earliest: date, recommended: date,
          recommended_until: date | None) -> date:
    roll = rng.random()
    if roll < MISTAKE:
        return earliest - timedelta(days=rng.randrange(1, 10))
    if roll < MISTAKE + LATE:
        return recommended + timedelta(days=rng.randrange(30, 400))
    span = ((recommended_until or recommended + timedelta(days=60)) - recommended).days
    return recommended + timedelta(days=rng.randrange(0, max(span, 1) + 1))


def _series_history(rng: random.Random, series: Series, person: Person, on: date,
                    doses: list[GivenDose]) -> None:
    """Doses of one programme up to `on`, appended to the person's `doses`."""
    product = rng.choice(series.products)
    day = max(person.birth, on - timedelta(days=365 * SEASONS)) \
        if series.per_fiscal_year else person.birth
    if series.id == "covid19":  # the 特例臨時接種's doses are _covid's
        day = max(day, B_CLASS_COVID)
    for _ in range(8):
        next_dose = due_in(series, person, doses, day)
        if next_dose is None or next_dose.earliest > on:
            return
        if rng.random() > UPTAKE[series.class_]:
            if not series.per_fiscal_year:
                return
            day = date(next_dose.earliest.year + 1, 4, 1)
            continue
        given = _when(rng, next_dose.earliest, next_dose.recommended_from,
                      next_dose.recommended_until)
        if given > on or given < person.birth:
            return
        number = fiscal_year(given) if series.per_fiscal_year else next_dose.dose
        doses.append(GivenDose(product, given, number))
        day = given + timedelta(days=1)


def _covid(rng: random.Random, person: Person, doses: list[GivenDose]) -> None:
    """The 特例臨時接種's doses as most adults had them (two, then boosters)."""
    if person.birth > date(2009, 6, 1):
        return
    days = [date(2021, 6, 1), date(2021, 6, 29), date(2022, 2, 1), date(2022, 10, 15),
            date(2023, 6, 1)]
    for number, day in enumerate(days, start=1):
        if rng.random() > (0.8 if number <= 2 else 0.55):
            return
        doses.append(GivenDose(rng.choice(("pfizer", "moderna")),
                               day + timedelta(days=rng.randrange(0, 40)), number))


def write_city(count: int, rng: random.Random, on: date, prefix: str = "C",
               progress: Callable[[int], None] | None = None) -> int:
    """`count` residents with their histories up to `on`; returns the doses written."""
    rules = master().rules
    written = 0
    with session_scope() as session:
        for start in range(0, count, _WRITE):
            people = [(f"{prefix}{index:09d}", Person(_birth(rng, on), rng.choice("MF")))
                      for index in range(start, min(start + _WRITE, count))]
            session.execute(insert(Resident), [
                {"atena_number": atena, "name": "市民 花子", "name_kana": "シミン ハナコ",
                 "birth_date": person.birth, "sex": person.sex, "address": "千葉県松戸市根本387-5"}
                for atena, person in people])
            ids = dict(session.execute(select(Resident.atena_number, Resident.id).where(
                Resident.atena_number.in_([atena for atena, _ in people]))).tuples().all())
            rows = []
            for atena, person in people:
                doses: list[GivenDose] = []
                _covid(rng, person, doses)
                for series in rules.series:
                    _series_history(rng, series, person, on, doses)
                rows += [{"resident_id": ids[atena], "vaccine": dose.product,
                          "dose_number": dose.dose_number or 1, "vaccinated_on": dose.given_on,
                          "lot_number": "LOT001", "clinic_code": "", "source": "scan",
                          "version": 1} for dose in _unique(doses)]
            for part in range(0, len(rows), _WRITE):
                session.execute(insert(LedgerRecord), rows[part:part + _WRITE])
            written += len(rows)
            if progress is not None:
                progress(start + len(people))
    return written


def _unique(doses: list[GivenDose]) -> list[GivenDose]:
    """One record per product and dose number, as the ledger holds (the first given)."""
    seen: set[tuple[str, int | None]] = set()
    kept = []
    for dose in sorted(doses, key=lambda d: d.given_on):
        if (dose.product, dose.dose_number) not in seen:
            seen.add((dose.product, dose.dose_number))
            kept.append(dose)
    return kept
