"""The municipal calendar: the fiscal year (年度) routine vaccinations and seasonal doses are
counted in, and ages as the law reckons them.

An age is reached at the end of the day before the anniversary of birth: the day of birth
counts as the first day (年齢計算ニ関スル法律, 明治35年法律第50号), and a period of months or
years ends on the day before the corresponding day, or, when the last month has no such
day, on that month's last day (民法第143条第2項). So a child born on 15 June reaches one
year on 14 June of the next year, and one born on 31 January reaches one month on the last
day of February. A routine program's window "from X to under Y" therefore runs from the
day X is reached to the day Y is reached, both included (MR 1期, 1歳以上2歳未満: "from the
day before the 1st birthday to the day before the 2nd"). This is not the age of the
reports' age bands (`ledger.reports.service.age_on`), which counts a year on the birthday as
statistics do.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

FISCAL_YEAR_STARTS = 4
"""April: 年度 N runs from 1 April N to 31 March N+1."""


def fiscal_year(day: date) -> int:
    return day.year if day.month >= FISCAL_YEAR_STARTS else day.year - 1


def reached_on(birth: date, *, years: int = 0, months: int = 0) -> date:
    """The day at whose end the person reaches the age of `years` and `months` (see above)."""
    total = birth.month - 1 + 12 * years + months
    year, month = birth.year + total // 12, total % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if birth.day > last:  # no corresponding day in the last month: its last day
        return date(year, month, last)
    return date(year, month, birth.day) - timedelta(days=1)


def age_reached(birth: date, day: date) -> int:
    """Completed years the person has reached by the end of `day` (0 before the first).

    One more than the difference of calendar years is possible: a person born on 1 January
    reaches each age on 31 December of the year before the anniversary."""
    years = day.year - birth.year + 1
    while years > 0 and reached_on(birth, years=years) > day:
        years -= 1
    return max(years, 0)


def months_reached(birth: date, day: date) -> int:
    """Completed months the person has reached by the end of `day` (接種日年齢 of infants)."""
    months = (day.year - birth.year) * 12 + day.month - birth.month + 1
    while months > 0 and reached_on(birth, months=months) > day:
        months -= 1
    return max(months, 0)


def age_at_fiscal_year_end(birth: date, year: int) -> int:
    """年度末年齢: the age reached by 31 March that ends 年度 `year`."""
    return age_reached(birth, date(year + 1, 3, 31))
