"""The days a rule names for one person: an age, a window of ages, the end of an interval.

An age is reached as the law reckons it (ledger.kit.calendar.reached_on). A school year
begins on 1 April, and a child enters primary school at the first school year that begins
after the day following the day they reach six (学校教育法第17条第1項), so a child born on
1 April enters a year before one born on 2 April. An interval of 'n日以上' leaves n whole
days between the doses, so the next dose may come on the (n+1)th day after; an interval of
months ends on the corresponding day, or when the month has none, the next dose may come
on the first day of the month after (民法第143条第2項 read for a period that must have
passed in full).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from ledger.kit.calendar import fiscal_year, reached_on
from ledger.schedule.rules import Age, Span

SCHOOL_AGE = 6


def school_entry(birth: date) -> date:
    """1 April of the school year the child enters primary school."""
    day_after_six = reached_on(birth, years=SCHOOL_AGE) + timedelta(days=1)
    start = date(day_after_six.year, 4, 1)
    return start if start >= day_after_six else date(day_after_six.year + 1, 4, 1)


def fiscal_year_start(year: int) -> date:
    return date(year, 4, 1)


def fiscal_year_end(year: int) -> date:
    return date(year + 1, 3, 31)


def on_age(birth: date, age: Age) -> date:
    """The day `age` names for a person born on `birth`."""
    if age.on is not None:
        base = age.on
    elif age.fiscal_year_start_of_age is not None:
        base = fiscal_year_start(fiscal_year(reached_on(birth, years=age.fiscal_year_start_of_age)))
    elif age.fiscal_year_end_of_age is not None:
        base = fiscal_year_end(fiscal_year(reached_on(birth, years=age.fiscal_year_end_of_age)))
    elif age.school_entry is not None:
        entry = school_entry(birth)
        base = entry.replace(year=entry.year + age.school_entry)
    elif age.years or age.months:
        base = reached_on(birth, years=age.years, months=age.months)
    else:
        base = birth
    return base + timedelta(days=age.days or 0)


def add_months(day: date, months: int) -> date:
    """The corresponding day `months` on, or the first of the month after when there is none."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    if day.day > calendar.monthrange(year, month)[1]:
        return date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, day.day)


def after(day: date, span: Span) -> date:
    """The first day a dose may come when `span` must pass after a dose on `day`."""
    if span.days_apart is not None:
        return day + timedelta(days=span.days_apart + 1)
    return add_months(day, span.months) + timedelta(days=span.days)
