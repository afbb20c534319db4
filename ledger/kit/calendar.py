"""The municipal calendar: the fiscal year (年度) routine vaccinations and seasonal doses are
counted in."""

from __future__ import annotations

from datetime import date

FISCAL_YEAR_STARTS = 4
"""April: 年度 N runs from 1 April N to 31 March N+1."""


def fiscal_year(day: date) -> int:
    return day.year if day.month >= FISCAL_YEAR_STARTS else day.year - 1
