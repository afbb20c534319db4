"""The programmes' rules as typed data, read from series.json.

The rules are data so that a change of the law is a change of one file that a reviewer can
hold against the law text it cites, and the engine (ledger.schedule.engine) stays small and
generic, as CDC's CDSi keeps its rules in tables beside a short logic specification. Every
object forbids unknown keys: a misspelt rule fails when the file is read, not by being
ignored.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SERIES_FILE = Path(__file__).with_name("series.json")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Age(Rule):
    """A day in a person's life; see series.json's _about for each way of naming one."""

    years: int = 0
    months: int = 0
    days: int | None = None
    fiscal_year_start_of_age: int | None = None
    fiscal_year_end_of_age: int | None = None
    school_entry: int | None = None
    on: date | None = Field(default=None, alias="date")


class Span(Rule):
    """A length between two doses: the law's 'n日以上' (days_apart) or months (and days)."""

    days_apart: int | None = None
    months: int = 0
    days: int = 0


class Interval(Span):
    after: int | Literal["previous"] = "previous"
    """The dose it is counted from: the one before, or a dose number of the same plan."""


class RecommendedInterval(Rule):
    after: int | Literal["previous"] = "previous"
    from_: Span = Field(alias="from")
    until: Span


class RecommendedAge(Rule):
    from_: Age | None = Field(default=None, alias="from")
    until: Age | None = None


class Recommended(Rule):
    age: RecommendedAge | None = None
    interval: RecommendedInterval | None = None


class Dose(Rule):
    dose: int
    part: str = ""
    """初回 or 追加, printed beside the 期."""
    intervals: tuple[Interval, ...] = ()
    age_from: Age | None = None
    """An age this dose may not come before, beyond the phase's window."""
    until: Age | None = None
    """An age this dose may not come after, beyond the phase's window."""
    skippable: bool = False
    """Past `until` the dose is not given and the plan goes on without it."""
    recommended: Recommended | None = None
    source: str


class Plan(Rule):
    id: str
    products: tuple[str, ...] = ()
    """The products this plan is for; empty for every product of the series."""
    first_dose_until: Age | None = None
    """The plan applies when the first dose comes by this age (plans are tried in order)."""
    repeats: bool = False
    """The last dose repeats without end (a season's dose)."""
    doses: tuple[Dose, ...]


class SpecialWindow(Rule):
    born_from: date | None = None
    born_until: date | None = None
    from_: Age | None = Field(default=None, alias="from")
    until: Age | None = None
    started_between: tuple[date, date] | None = None
    """Only for a person whose first dose of the series falls in these days."""
    ages_in_fiscal_year: tuple[int, ...] = ()
    fiscal_years: tuple[int, int] | None = None
    """With ages_in_fiscal_year: in these 年度 (both included), whoever reaches one of the
    ages in the year may have the dose in that year."""
    source: str


class Window(Rule):
    from_: Age = Field(alias="from")
    until: Age | None = None


class Phase(Rule):
    id: str
    name_ja: str
    window: Window
    period: tuple[date, date | None] | None = None
    """The calendar days the phase was in force, when it is not for ever."""
    per_fiscal_year: bool = False
    numbered_by_ticket: bool = False
    """The dose number is the one the state's ticket printed (新型コロナ特例臨時接種: the
    doses were kept in the state's VRS, so this ledger may hold none of the earlier ones)."""
    special_windows: tuple[SpecialWindow, ...] = ()
    plans: tuple[Plan, ...]
    source: str


class Series(Rule):
    id: str
    name_ja: str
    class_: Literal["A", "B"] = Field(alias="class")
    products: tuple[str, ...]
    same_product: bool = False
    """Every dose of one person's series is the same product (HPV, rotavirus, zoster)."""
    sex: Literal["F", "M"] | None = None
    in_force_from: date
    born_from: date | None = None
    once_in_a_lifetime: bool = False
    per_fiscal_year: bool = False
    phases: tuple[Phase, ...]

    @model_validator(mode="after")
    def _doses_follow(self) -> Series:
        numbers = [plan.doses[0].dose for phase in self.phases for plan in phase.plans]
        if any(number < 1 for number in numbers):
            raise ValueError(f"{self.id}: doses are numbered from 1")
        for phase in self.phases:
            for plan in phase.plans:
                unknown = set(plan.products) - set(self.products)
                if unknown:
                    raise ValueError(f"{self.id}/{plan.id}: products not of the series: {unknown}")
                expected = list(range(plan.doses[0].dose, plan.doses[0].dose + len(plan.doses)))
                if [dose.dose for dose in plan.doses] != expected:
                    raise ValueError(f"{self.id}/{plan.id}: dose numbers must follow each other")
        return self


class LiveInterval(Span):
    source: str


class Schedule(Rule):
    series: tuple[Series, ...]
    live_interval: LiveInterval
    about: str = Field(alias="_about")

    def of_product(self, product: str) -> Series | None:
        return next((series for series in self.series if product in series.products), None)


def load_schedule(path: Path = SERIES_FILE) -> Schedule:
    return Schedule.model_validate_json(path.read_text(encoding="utf-8"))


_CURRENT: list[Schedule] = [load_schedule()]


def schedule() -> Schedule:
    """The rules this process applies: the repository's file, with the products an
    administrator added listed in their programmes once the process has read the database
    (ledger.schedule.master_store.load_into_process)."""
    return _CURRENT[0]


def install_schedule(rules: Schedule) -> None:
    _CURRENT[0] = rules
