"""The confidence rules alone: only a confirmed, sure reading may reach the review threshold."""

from __future__ import annotations

import pytest

from ocr.confidence import ACCEPT, field_confidence
from ocr.digits import _as_iso_date


@pytest.mark.parametrize("lowest", [0.0, 0.5, 0.9, 0.99, 1.0])
def test_unconfirmed_or_disagreeing_readings_never_pass(lowest: float) -> None:
    assert field_confidence(lowest, 0.85, agreed=None) < ACCEPT
    assert field_confidence(lowest, 0.85, agreed=False) < ACCEPT


def test_a_confirmed_reading_passes_only_from_the_floor_up() -> None:
    assert field_confidence(0.84, 0.85, agreed=True) < ACCEPT
    assert field_confidence(0.85, 0.85, agreed=True) == pytest.approx(ACCEPT)
    assert field_confidence(1.0, 0.85, agreed=True) == pytest.approx(1.0)


def test_only_real_dates_up_to_today_are_dates() -> None:
    assert _as_iso_date("20240113") == "2024-01-13"
    assert _as_iso_date("29240113") is None
    assert _as_iso_date("20230230") is None
    assert _as_iso_date("18991231") is None
