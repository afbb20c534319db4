"""The city's day. Servers keep UTC, and a Japanese morning is still the day before in UTC:
a vaccination given today and scanned before 09:00 would be a date in the future, and a
notice letter drawn then would be dated yesterday. Whatever asks for "today" asks here."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from models.base import utcnow
from models.settings import get_settings


def city_day(moment: datetime) -> date:
    """The city's date at `moment`; a naive moment is UTC (SQLite gives timestamps back
    without their zone)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(get_settings().timezone)).date()


def city_today() -> date:
    return city_day(utcnow())
