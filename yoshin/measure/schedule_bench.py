"""`yoshin schedule bench`: the schedule's reports on a generated city (yoshin.measure.city)
in a throw-away installation — the due list of every programme on a day and the statutory
count of a 年度, each timed as a supervisor's request would run them."""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Sized
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from rich.console import Console

from ledger.reports.programmes import due_list, statutory_counts
from ledger.schedule.engine import master
from models.db import session_scope
from models.migrate import upgrade
from yoshin.measure.city import write_city
from yoshin.measure.harness import isolated_home

SEED = 20261203


@dataclass(frozen=True)
class Timed:
    what: str
    rows: int
    seconds: float


def _timed(what: str, report: Callable[[], Sized]) -> Timed:
    start = time.perf_counter()
    rows = report()
    return Timed(what, len(rows), time.perf_counter() - start)


def run(residents: int, on: date, year: int, console: Console,
        database_url: str | None = None) -> list[Timed]:
    with tempfile.TemporaryDirectory(prefix="yoshin-schedule-bench-") as temporary:
        with isolated_home(Path(temporary) / "home", database_url):
            upgrade()
            console.print(f"writing a city of {residents:,} residents and their doses…")
            doses = write_city(residents, random.Random(SEED), on)
            console.print(f"  {doses:,} doses")
            found = []
            for series in master().rules.series:
                with session_scope() as session:
                    found.append(_timed(f"due list {series.id} on {on}",
                                        partial(due_list, session, series.id, on)))
            with session_scope() as session:
                found.append(_timed(f"statutory count 年度 {year}",
                                    partial(statutory_counts, session, year)))
    return found


def print_result(found: list[Timed], console: Console) -> None:
    for timed in found:
        console.print(f"  {timed.what:40} {timed.rows:6,} rows  {timed.seconds:6.2f} s")
    due = [timed.seconds for timed in found if timed.what.startswith("due list")]
    statutory = [timed.seconds for timed in found if timed.what.startswith("statutory")]
    console.print(f"  slowest due list {max(due):.2f} s; statutory count {max(statutory):.2f} s")
