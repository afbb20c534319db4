"""The city's day, not the server's: a UTC machine's morning in Japan is still yesterday."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ledger.checks.validation import validate
from models import clock


def test_the_citys_day_is_taken_in_its_time_zone() -> None:
    assert clock.city_day(datetime(2026, 12, 2, 23, 30, tzinfo=UTC)) == date(2026, 12, 3)
    assert clock.city_day(datetime(2026, 12, 2, 14, 59, tzinfo=UTC)) == date(2026, 12, 2)
    assert clock.city_day(datetime(2026, 12, 2, 15, 0)) == date(2026, 12, 3)  # naive is UTC


def test_a_vaccination_given_this_morning_is_not_in_the_future(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """08:30 in Japan is 23:30 UTC the day before: the day's doses are not future dates."""
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2030, 6, 30, 23, 30, tzinfo=UTC))
    assert validate({"vaccination_date": "2030-07-01"}) == {}
    assert validate({"vaccination_date": "2030-07-02"}) == {"vaccination_date": "未来の日付です"}
