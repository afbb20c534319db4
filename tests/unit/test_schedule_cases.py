"""The schedule engine against its table of cases (tests/data/schedule_cases.csv).

Each row is a person, the doses they were given and what the law says of them: the last
dose's verdict (valid, or the code of the reason it is not), what it counts as, and what is
due on a day (the first day it is a routine dose .. the last). The `rule` column names the
rule of series.json the row pins and where that rule comes from; the dates in each row are
written out by hand, not computed, so the table checks the engine's arithmetic too.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from ledger.schedule.engine import GivenDose, Person, due, evaluate

CASES = Path(__file__).resolve().parent.parent / "data" / "schedule_cases.csv"


@dataclass(frozen=True)
class Case:
    id: str
    rule: str
    person: Person
    doses: list[GivenDose]
    expect: list[str]


def _dose(text: str) -> GivenDose:
    """product@YYYY-MM-DD, then optionally #dose-number and =millilitres."""
    product, rest = text.split("@")
    volume = ""
    if "=" in rest:
        rest, volume = rest.split("=")
    number = None
    if "#" in rest:
        rest, count = rest.split("#")
        number = int(count)
    return GivenDose(product, date.fromisoformat(rest), number, volume)


def _cases() -> list[Case]:
    with CASES.open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if not row["id"].startswith("#")]
    return [Case(row["id"], row["rule"], Person(date.fromisoformat(row["birth"]), row["sex"]),
                 [_dose(text) for text in row["doses"].split()], row["expect"].split())
            for row in rows]


ALL = _cases()


def test_the_table_has_at_least_200_cases_each_citing_its_rule() -> None:
    assert len(ALL) >= 200
    assert len({case.id for case in ALL}) == len(ALL)
    assert all(case.rule.strip() for case in ALL)


def _check(case: Case, claim: str) -> str:
    """'' when the claim holds, otherwise what the engine said instead."""
    kind, _, value = claim.partition(":")
    if kind in ("last", "counted"):
        verdict = evaluate(case.person, case.doses)[-1] if kind == "last" else next(
            v for v in evaluate(case.person, case.doses) if v.dose is case.doses[-1])
        if kind == "counted":
            return "" if str(verdict.counted_as) == value else f"counted as {verdict.counted_as}"
        codes = [reason.code for reason in verdict.reasons]
        if value == "valid":
            return "" if not codes else f"invalid: {[r.text for r in verdict.reasons]}"
        return "" if value in codes else f"reasons {codes}"
    on_text = kind.removeprefix("due@")
    series, _, span = value.partition("=")
    found = {d.series: d for d in due(case.person, case.doses, date.fromisoformat(on_text))}
    if span == "none":
        return "" if series not in found else f"due {found[series]}"
    if series not in found:
        return "nothing due"
    earliest, _, last = span.partition("..")
    got = found[series]
    said = f"{got.earliest}..{got.last or ''}"
    return "" if said == f"{earliest}..{last}" else f"due {said} (dose {got.dose})"


@pytest.mark.parametrize("case", ALL, ids=[case.id for case in ALL])
def test_the_engine_says_what_the_rule_says(case: Case) -> None:
    last = case.doses[-1] if case.doses else None
    assert last is not None or all(claim.startswith("due@") for claim in case.expect)
    failures = {claim: _check(case, claim) for claim in case.expect}
    assert {claim: said for claim, said in failures.items() if said} == {}, case.rule
