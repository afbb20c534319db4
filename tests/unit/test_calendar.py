"""Ages as the law reckons them (ledger/kit/calendar.py): 年齢計算ニ関スル法律 counts the day of
birth, 民法第143条第2項 ends a period without a corresponding day on the month's last day.
Each case names what it pins."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.kit.calendar import (
    age_at_fiscal_year_end,
    age_reached,
    fiscal_year,
    months_reached,
    reached_on,
)


@pytest.mark.parametrize(("birth", "years", "months", "reached"), [
    # the day before the anniversary (MR 1期 starts "the day before the 1st birthday")
    (date(2025, 6, 15), 1, 0, date(2026, 6, 14)),
    (date(2025, 6, 15), 2, 0, date(2027, 6, 14)),
    # months: the day before the same date (小児肺炎球菌 from 2 months)
    (date(2026, 3, 10), 0, 2, date(2026, 5, 9)),
    # the first of a month: the last day of the month before
    (date(2025, 3, 1), 1, 0, date(2026, 2, 28)),
    (date(2023, 3, 1), 1, 0, date(2024, 2, 29)),
    # no corresponding day: the last day of that month (民法143条2項)
    (date(2026, 1, 31), 0, 1, date(2026, 2, 28)),
    (date(2028, 1, 30), 0, 1, date(2028, 2, 29)),
    (date(2025, 8, 31), 0, 1, date(2025, 9, 30)),
    # born on a leap day: in a common year, 28 February
    (date(2024, 2, 29), 1, 0, date(2025, 2, 28)),
    (date(2024, 2, 29), 4, 0, date(2028, 2, 28)),
    # across a year's end, and years and months together
    (date(2025, 11, 20), 0, 3, date(2026, 2, 19)),
    (date(2020, 12, 31), 5, 2, date(2026, 2, 28)),
    # 65 (高齢者肺炎球菌, 帯状疱疹)
    (date(1961, 4, 1), 65, 0, date(2026, 3, 31)),
    (date(1961, 4, 2), 65, 0, date(2026, 4, 1)),
])
def test_an_age_is_reached_at_the_end_of_the_day_the_law_says(
        birth: date, years: int, months: int, reached: date) -> None:
    assert reached_on(birth, years=years, months=months) == reached


def test_a_completed_year_counts_from_the_day_before_the_birthday() -> None:
    birth = date(2025, 6, 15)
    assert [age_reached(birth, birth + timedelta(days=d)) for d in (0, 363, 364, 365)] == \
        [0, 0, 1, 1]


def test_born_on_1_january_a_year_is_reached_on_31_december_of_the_same_year() -> None:
    assert age_reached(date(2000, 1, 1), date(2000, 12, 31)) == 1
    assert age_reached(date(2000, 1, 1), date(2000, 12, 30)) == 0


@pytest.mark.parametrize(("birth", "year", "age"), [
    # born 1 April: reaches 65 on 31 March, the last day of the fiscal year before
    (date(1961, 4, 1), 2025, 65),
    (date(1961, 4, 2), 2025, 64),
    (date(1961, 4, 2), 2026, 65),
    (date(1960, 4, 1), 2025, 66),
])
def test_the_age_at_the_fiscal_year_end_is_the_age_reached_by_31_march(
        birth: date, year: int, age: int) -> None:
    assert age_at_fiscal_year_end(birth, year) == age


def test_the_fiscal_year_starts_on_1_april() -> None:
    assert (fiscal_year(date(2026, 3, 31)), fiscal_year(date(2026, 4, 1))) == (2025, 2026)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2090, 12, 31)),
       st.integers(min_value=0, max_value=100))
def test_the_age_reached_on_that_day_and_not_the_day_before(birth: date, years: int) -> None:
    day = reached_on(birth, years=years)
    assert age_reached(birth, day) == years
    if years:
        assert age_reached(birth, day - timedelta(days=1)) == years - 1


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2090, 12, 31)),
       st.integers(min_value=0, max_value=1200))
def test_the_months_reached_on_that_day_and_not_the_day_before(birth: date, months: int) -> None:
    day = reached_on(birth, months=months)
    assert months_reached(birth, day) == months
    if months:
        assert months_reached(birth, day - timedelta(days=1)) == months - 1
    assert months_reached(birth, day) // 12 == age_reached(birth, day)
