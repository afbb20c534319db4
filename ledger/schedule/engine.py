"""Whether each dose a person was given is a valid routine dose, and what is due next.

The logic is generic and the rules are data (series.json, read by ledger.schedule.rules),
after CDC's CDSi: the doses of a series are taken in date order; each is held against the
dose the person's plan expects next, and counts only when it meets every rule, so an
invalid dose never moves the series on and later doses are measured from the valid ones.
Which plan applies is settled by the first valid dose (the age at it, the product); where
two plans fit the same start (HPV 9価 started before 15: two doses, or three when the
second came early), the history is read under each and the plan that counts the most doses
wins, the first listed on a tie.

The engine knows nothing of the database: the ledger hands it a person and their doses
(ledger.schedule.service), so the same rules judge a scanned form, a clinic's digital form,
a transferred record and the due list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from ledger.kit.calendar import fiscal_year
from ledger.kit.vaccines import CATALOG, Vaccine, Volume
from ledger.schedule.days import after, fiscal_year_end, fiscal_year_start, on_age
from ledger.schedule.rules import Age, Dose, Phase, Plan, Schedule, Series, schedule

INJECTED = ("SC", "IM", "ID")


@dataclass(frozen=True)
class Master:
    """The vaccine master the engine reads: the products (ledger/kit/vaccines.json) and the
    programmes' rules (series.json). A new product is an entry in each, no code."""

    products: Mapping[str, Vaccine]
    rules: Schedule


def master() -> Master:
    return Master(CATALOG, schedule())


@dataclass(frozen=True)
class Person:
    birth: date
    sex: str = ""


@dataclass(frozen=True)
class GivenDose:
    product: str
    given_on: date
    dose_number: int | None = None
    """As the form or record says: a count, or for a season's vaccine its 年度."""
    volume_ml: str = ""
    ref: str = ""
    """The caller's name for the dose (a record id), carried through to the verdict."""


@dataclass(frozen=True)
class Reason:
    code: str
    """too_young, too_old, interval, live_interval, dose_number, volume, season, once,
    product, sex, born_before, not_in_force, complete, unknown."""
    text: str
    source: str


@dataclass(frozen=True)
class Verdict:
    dose: GivenDose
    series: str
    phase: str
    counted_as: int | None
    """The dose of the series it counts as (or would, had it been valid)."""
    part: str
    reasons: tuple[Reason, ...]
    source: str

    @property
    def valid(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class Due:
    series: str
    phase: str
    dose: int
    part: str
    earliest: date
    recommended_from: date
    recommended_until: date | None
    last: date | None
    source: str


@dataclass(frozen=True)
class Span:
    start: date
    end: date | None
    source: str

    def holds(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


def _ymd(day: date | None) -> str:
    return "" if day is None else day.isoformat()


def windows(series: Series, phase: Phase, person: Person,
            first_dose: date | None) -> list[Span]:
    """The days the phase is open to the person: its ages, and any special period that is
    theirs, within the days the law was in force."""
    spans = [Span(on_age(person.birth, phase.window.from_),
                  None if phase.window.until is None else on_age(person.birth, phase.window.until),
                  phase.source)]
    for special in phase.special_windows:
        if (special.born_from and person.birth < special.born_from) or \
                (special.born_until and person.birth > special.born_until):
            continue
        started = special.started_between
        if started is not None and not (first_dose and started[0] <= first_dose <= started[1]):
            continue
        if special.ages_in_fiscal_year and special.fiscal_years:
            first, last = special.fiscal_years
            reached = {fiscal_year(on_age(person.birth, Age(years=years)))
                       for years in special.ages_in_fiscal_year}
            for year in range(first, last + 1):
                if year in reached:
                    spans.append(Span(fiscal_year_start(year), fiscal_year_end(year),
                                      special.source))
            continue
        spans.append(Span(on_age(person.birth, special.from_) if special.from_ else person.birth,
                          on_age(person.birth, special.until) if special.until else None,
                          special.source))
    start = series.in_force_from
    if phase.period is not None:
        start = max(start, phase.period[0])
    clipped = []
    for span in spans:
        end = span.end if phase.period is None or phase.period[1] is None else (
            phase.period[1] if span.end is None else min(span.end, phase.period[1]))
        if end is None or max(span.start, start) <= end:
            clipped.append(Span(max(span.start, start), end, span.source))
    return sorted(clipped, key=lambda span: span.start)


def _span_text(span: object) -> str:
    days_apart, months, days = (getattr(span, key) for key in ("days_apart", "months", "days"))
    if days_apart is not None:
        return f"{days_apart}日以上"
    return f"{months}月" + (f"{days}日" if days else "") + "以上"


def _is_injected_live(products: Mapping[str, Vaccine], product: str) -> bool:
    known = products.get(product)
    return known is not None and known.live and known.route in INJECTED


def prescribed_volume(known: Vaccine, birth: date, given_on: date) -> Volume | None:
    """The volume a dose of `known` is given in at the age a person born on `birth` has on
    `given_on`; None where the catalogue does not say (COVID-19's changed by formulation)."""
    return next((volume for volume in known.volumes
                 if volume.under_years is None
                 or given_on <= on_age(birth, Age(years=volume.under_years))), None)


def _volume(products: Mapping[str, Vaccine], person: Person, dose: GivenDose) -> Reason | None:
    known = products.get(dose.product)
    if known is None or not dose.volume_ml:
        return None
    expected = prescribed_volume(known, person.birth, dose.given_on)
    if expected is None:
        return None
    try:
        same = Decimal(dose.volume_ml) == Decimal(expected.ml)
    except InvalidOperation:
        same = False
    if same:
        return None
    age = "" if expected.under_years is None else f"{expected.under_years}歳未満の"
    return Reason("volume", f"接種量 {dose.volume_ml}mL は{age}量 {expected.ml}mL と異なります",
                  "予防接種実施規則（ワクチンごとの接種量）")


class _Reader:
    """Reads one series' doses under one choice of plans (see the module's docstring)."""

    def __init__(self, known: Master, series: Series, person: Person, doses: list[GivenDose],
                 everyone: list[GivenDose], choice: dict[str, int]) -> None:
        self.series, self.person, self.doses, self.everyone = series, person, doses, everyone
        self.known = known
        self.choice = choice
        self.valid: list[tuple[int, GivenDose]] = []
        self.last_index: dict[str, int] = {}
        self.plans: dict[str, Plan] = {}
        self.alternatives: dict[str, int] = {}
        self.verdicts = [self._judge(dose) for dose in doses]

    # -- the state of the series

    def _first_valid(self) -> date | None:
        return self.valid[0][1].given_on if self.valid else None

    def _complete(self, phase: Phase) -> bool:
        plan = self.plans.get(phase.id)
        return plan is not None and not plan.repeats and \
            self.last_index.get(phase.id, -1) >= len(plan.doses) - 1

    def windows(self, phase: Phase, first: date | None = None) -> list[Span]:
        return windows(self.series, phase, self.person, first or self._first_valid())

    def _plan(self, phase: Phase, product: str | None, day: date) -> Plan | None:
        if phase.id in self.plans:
            return self.plans[phase.id]
        candidates = [plan for plan in phase.plans
                      if (product is None or not plan.products or product in plan.products)
                      and (plan.first_dose_until is None
                           or day <= on_age(self.person.birth, plan.first_dose_until))]
        if not candidates:
            return None
        self.alternatives[phase.id] = len(candidates)
        return candidates[min(self.choice.get(phase.id, 0), len(candidates) - 1)]

    def _expected(self, phase: Phase, plan: Plan, day: date) -> Dose:
        """The plan's next dose on `day`, past any dose whose last day has gone by and that
        the plan then leaves out (小児肺炎球菌's late 初回)."""
        index = self.last_index.get(phase.id, -1) + 1
        if index >= len(plan.doses):
            return plan.doses[-1]
        while index + 1 < len(plan.doses) and self._left_out(plan.doses[index], day):
            index += 1
        return plan.doses[index]

    def _left_out(self, dose: Dose, day: date) -> bool:
        return dose.skippable and dose.until is not None and \
            day > on_age(self.person.birth, dose.until)

    def _live(self, product: str) -> bool:
        return _is_injected_live(self.known.products, product)

    def _counted_as(self, dose: Dose, plan: Plan, day: date) -> int:
        """The dose's number in the ledger: its 年度 for a season's vaccine, the count of
        valid doses for a repeating plan, else the plan's number."""
        if self.series.per_fiscal_year:
            return fiscal_year(day)
        return len(self.valid) + 1 if plan.repeats else dose.dose

    def _base(self, after: int | str) -> GivenDose | None:
        if after == "previous":
            return self.valid[-1][1] if self.valid else None
        return next((given for number, given in self.valid if number == after), None)

    # -- one dose

    def _find_phase(self, day: date) -> tuple[Phase | None, Reason | None]:
        open_phases = [phase for phase in self.series.phases if not self._complete(phase)]
        for phase in open_phases:
            if any(span.holds(day) for span in self.windows(phase, self._first_valid() or day)):
                return phase, None
        if any(any(span.holds(day) for span in self.windows(phase)) for phase in
               self.series.phases if self._complete(phase)):
            return None, Reason("complete", "この期の接種はすでに済んでいます",
                                self.series.phases[0].source)
        if not open_phases:
            return None, Reason("complete", "この予防接種はすでに済んでいます",
                                self.series.phases[-1].source)
        phase = open_phases[0]
        spans = self.windows(phase, self._first_valid() or day)
        if not spans:
            return phase, Reason("too_old", "対象となる期間がありません", phase.source)
        where = "、".join(f"{_ymd(span.start)}〜{_ymd(span.end)}" for span in spans)
        if day < spans[0].start:
            return phase, Reason("too_young", f"対象期間（{where}）より前の接種です", phase.source)
        return phase, Reason("too_old", f"対象期間（{where}）を過ぎた接種です", phase.source)

    def _series_reasons(self, given: GivenDose) -> list[Reason]:
        series, reasons = self.series, []
        source = series.phases[0].source
        if series.sex and self.person.sex and self.person.sex != series.sex:
            reasons.append(Reason("sex", "対象は女子です", source))
        if series.born_from and self.person.birth < series.born_from:
            reasons.append(Reason("born_before",
                                  f"対象は{_ymd(series.born_from)}以後に生まれた者です", source))
        started = max(series.in_force_from, self.known.products[given.product].first_given)
        if given.given_on < started:
            reasons.append(Reason("not_in_force",
                                  f"定期接種の開始（{_ymd(started)}）より前の接種です", source))
        if series.once_in_a_lifetime and any(other.given_on < given.given_on
                                             for other in self.doses if other is not given):
            reasons.append(Reason("once", "すでに接種したことがある者は対象外です", source))
        if series.same_product and self.valid and self.valid[0][1].product != given.product:
            reasons.append(Reason("product", f"1回目と同じワクチン（{self.valid[0][1].product}）で"
                                  "接種します", source))
        return reasons

    def _dose_reasons(self, given: GivenDose, dose: Dose, phase: Phase, counted_as: int
                      ) -> list[Reason]:
        reasons, birth = [], self.person.birth
        if dose.age_from is not None and given.given_on < on_age(birth, dose.age_from):
            reasons.append(Reason("too_young", f"{_ymd(on_age(birth, dose.age_from))}より前には"
                                  "接種できません", dose.source))
        if dose.until is not None and given.given_on > on_age(birth, dose.until):
            reasons.append(Reason("too_old", f"この回は{_ymd(on_age(birth, dose.until))}までに"
                                  "接種します", dose.source))
        for interval in dose.intervals:
            base = self._base(interval.after)
            if base is not None and given.given_on < after(base.given_on, interval):
                reasons.append(Reason("interval", f"{_ymd(base.given_on)}の接種から"
                                      f"{_span_text(interval)}の間隔が必要です"
                                      f"（{_ymd(after(base.given_on, interval))}以降）",
                                      dose.source))
        if self._live(given.product):
            live = self.known.rules.live_interval
            for other in self.everyone:
                if other is not given and self._live(other.product) and \
                        other.given_on < given.given_on < after(other.given_on, live):
                    label = self.known.products[other.product].label_ja
                    reasons.append(Reason("live_interval", f"{_ymd(other.given_on)}の注射生ワクチン"
                                          f"（{label}）から{_span_text(live)}の間隔が必要です",
                                          live.source))
        if self.series.per_fiscal_year or phase.per_fiscal_year:
            year = fiscal_year(given.given_on)
            if any(fiscal_year(done.given_on) == year for _, done in self.valid):
                reasons.append(Reason("season", f"{year}年度の接種はすでにあります", phase.source))
        if given.dose_number is not None and given.dose_number != counted_as:
            unit = "年度" if self.series.per_fiscal_year else "回目"
            reasons.append(Reason("dose_number", f"{given.dose_number}{unit}とありますが、"
                                  f"{counted_as}{unit}にあたる接種です", dose.source))
        volume = _volume(self.known.products, self.person, given)
        if volume is not None:
            reasons.append(volume)
        return reasons

    def _judge(self, given: GivenDose) -> Verdict:
        reasons = self._series_reasons(given)
        phase, outside = self._find_phase(given.given_on)
        if outside is not None:
            reasons.append(outside)
        if phase is None:
            return Verdict(given, self.series.id, "", None, "", tuple(reasons), outside.source
                           if outside else "")
        plan = self._plan(phase, given.product, given.given_on)
        if plan is None:
            reasons.append(Reason("product", "この時期・製品で使える接種の計画がありません",
                                  phase.source))
            return Verdict(given, self.series.id, phase.name_ja, None, "", tuple(reasons),
                           phase.source)
        dose = self._expected(phase, plan, given.given_on)
        counted_as = self._counted_as(dose, plan, given.given_on)
        if phase.numbered_by_ticket and given.dose_number is not None:
            counted_as = given.dose_number
        reasons += self._dose_reasons(given, dose, phase, counted_as)
        if not reasons:
            self.plans[phase.id] = plan
            self.last_index[phase.id] = plan.doses.index(dose)
            self.valid.append((counted_as, given))
        return Verdict(given, self.series.id, phase.name_ja, counted_as, dose.part,
                       tuple(reasons), dose.source)

    # -- what is due

    def due(self, on: date) -> Due | None:
        """The series' next dose as of `on`: from which day it is a routine dose, the
        recommended days, and the last day; None when nothing more can be given."""
        for phase in self.series.phases:
            if self._complete(phase):
                continue
            found = self._due_in(phase, on)
            if found is not None:
                return found
        return None

    def _due_in(self, phase: Phase, on: date) -> Due | None:
        spans = self.windows(phase, self._first_valid() or on)
        if not spans:
            return None
        start = max(spans[0].start, self.series.in_force_from)
        plan = self._plan(phase, None, max(start, on))
        if plan is None:
            return None
        dose = self._expected(phase, plan, max(start, on))
        birth, earliest = self.person.birth, start
        if dose.age_from is not None:
            earliest = max(earliest, on_age(birth, dose.age_from))
        for interval in dose.intervals:
            base = self._base(interval.after)
            if base is not None:
                earliest = max(earliest, after(base.given_on, interval))
        if self.series.per_fiscal_year or phase.per_fiscal_year:
            done = {fiscal_year(given.given_on) for _, given in self.valid}
            earliest = max(earliest, fiscal_year_start(fiscal_year(on)))
            while fiscal_year(max(earliest, on)) in done:
                earliest = max(earliest, fiscal_year_start(fiscal_year(max(earliest, on)) + 1))
        products = plan.products or self.series.products
        if all(self._live(product) for product in products):
            lives = [other.given_on for other in self.everyone if self._live(other.product)]
            if lives:
                earliest = max(earliest, after(max(lives), self.known.rules.live_interval))
        span = next((span for span in spans
                     if span.end is None or span.end >= max(earliest, on)), None)
        if span is None:
            return None
        earliest = max(earliest, span.start)
        last = span.end
        if dose.until is not None:
            until = on_age(birth, dose.until)
            last = until if last is None else min(last, until)
        if self.series.per_fiscal_year or phase.per_fiscal_year:
            year_end = fiscal_year_end(fiscal_year(max(earliest, on)))
            last = year_end if last is None else min(last, year_end)
        if last is not None and (last < earliest or last < on):
            return None
        recommended_from, recommended_until = earliest, last
        advice = dose.recommended
        if advice is not None and advice.age is not None:
            if advice.age.from_ is not None:
                recommended_from = max(earliest, on_age(birth, advice.age.from_))
            if advice.age.until is not None:
                recommended_until = on_age(birth, advice.age.until)
        if advice is not None and advice.interval is not None:
            base = self._base(advice.interval.after)
            if base is not None:
                recommended_from = max(earliest, after(base.given_on, advice.interval.from_))
                recommended_until = after(base.given_on, advice.interval.until)
        if recommended_until is not None and last is not None:
            recommended_until = min(recommended_until, last)
        if recommended_until is not None and recommended_until < recommended_from:
            recommended_until = recommended_from
        return Due(self.series.id, phase.name_ja, self._counted_as(dose, plan, earliest),
                   dose.part,
                   earliest, recommended_from, recommended_until, last, dose.source)


def _read(known: Master, series: Series, person: Person, doses: list[GivenDose],
          everyone: list[GivenDose]) -> _Reader:
    """The reading of the series that counts the most doses valid (first plan on a tie)."""
    best = _Reader(known, series, person, doses, everyone, {})
    for phase_id, count in dict(best.alternatives).items():
        for index in range(1, count):
            other = _Reader(known, series, person, doses, everyone, {phase_id: index})
            if len(other.valid) > len(best.valid):
                best = other
    return best


def _ordered(doses: list[GivenDose]) -> list[GivenDose]:
    return sorted(doses, key=lambda dose: (dose.given_on, dose.dose_number or 0))


def _by_series(known: Master, doses: list[GivenDose]
               ) -> tuple[dict[str, list[GivenDose]], list[GivenDose]]:
    grouped: dict[str, list[GivenDose]] = {}
    unknown = []
    for dose in _ordered(doses):
        series = known.rules.of_product(dose.product)
        if series is None or dose.product not in known.products:
            unknown.append(dose)
        else:
            grouped.setdefault(series.id, []).append(dose)
    return grouped, unknown


def evaluate(person: Person, doses: list[GivenDose], known: Master | None = None
             ) -> list[Verdict]:
    """Each dose's verdict, in date order."""
    known = known or master()
    grouped, unknown = _by_series(known, doses)
    everyone = _ordered(doses)
    verdicts = [Verdict(dose, "", "", None, "", (Reason("unknown", "ワクチンの台帳にない製品です",
                                                         ""),), "") for dose in unknown]
    for series in known.rules.series:
        if series.id in grouped:
            verdicts += _read(known, series, person, grouped[series.id], everyone).verdicts
    order = {id(dose): index for index, dose in enumerate(everyone)}
    return sorted(verdicts, key=lambda verdict: order[id(verdict.dose)])


def _open_to(series: Series, person: Person, held: list[GivenDose]) -> bool:
    """Whether the series can still have anything due for the person at all."""
    if series.sex and person.sex and person.sex != series.sex:
        return False
    if series.born_from and person.birth < series.born_from:
        return False
    return not (series.once_in_a_lifetime and held)


def due(person: Person, doses: list[GivenDose], on: date, known: Master | None = None
        ) -> list[Due]:
    """What each series has due next as of `on`, for the series open to the person."""
    known = known or master()
    grouped, _ = _by_series(known, doses)
    everyone = _ordered(doses)
    found = []
    for series in known.rules.series:
        held = grouped.get(series.id, [])
        if _open_to(series, person, held):
            next_dose = _read(known, series, person, held, everyone).due(on)
            if next_dose is not None:
                found.append(next_dose)
    return found


def due_in(series: Series, person: Person, doses: list[GivenDose], on: date,
           known: Master | None = None) -> Due | None:
    """What one series has due next as of `on` (the due list asks this of every resident):
    `doses` are the person's doses of the series and any injected live vaccine."""
    known = known or master()
    everyone = _ordered(doses)
    held = [dose for dose in everyone if dose.product in series.products]
    if not _open_to(series, person, held):
        return None
    return _read(known, series, person, held, everyone).due(on)
