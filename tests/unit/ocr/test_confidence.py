"""The confidence rules alone: only a value both engines agree on, each sure enough, may reach
the review threshold."""

from __future__ import annotations

import pytest

from ocr.confidence import ACCEPT, Floors, cross_checked
from ocr.digits import _as_iso_date

FLOORS = Floors(checker=0.8, ppocr=0.6)


@pytest.mark.parametrize("checker", [0.0, 0.5, 0.9, 0.99, 1.0])
@pytest.mark.parametrize("ppocr", [0.0, 0.5, 0.9, 0.99, 1.0])
def test_a_disagreement_never_passes_however_sure_the_engines(checker: float,
                                                              ppocr: float) -> None:
    assert cross_checked(False, checker, ppocr, FLOORS) < ACCEPT


def test_an_agreement_passes_only_with_both_engines_from_their_floors_up() -> None:
    assert cross_checked(True, 0.79, 1.0, FLOORS) < ACCEPT
    assert cross_checked(True, 1.0, 0.59, FLOORS) < ACCEPT
    assert cross_checked(True, 0.8, 0.6, FLOORS) == pytest.approx(ACCEPT)
    assert cross_checked(True, 1.0, 1.0, FLOORS) == pytest.approx(1.0)


def test_the_engine_nearer_its_floor_sets_an_agreed_confidence() -> None:
    assert cross_checked(True, 0.9, 1.0, FLOORS) == pytest.approx(cross_checked(True, 0.9, 0.8,
                                                                                FLOORS))
    assert cross_checked(True, 0.9, 0.7, FLOORS) < cross_checked(True, 0.9, 0.8, FLOORS)


def test_only_real_dates_up_to_today_are_dates() -> None:
    assert _as_iso_date("20240113") == "2024-01-13"
    assert _as_iso_date("29240113") is None
    assert _as_iso_date("20230230") is None
    assert _as_iso_date("18991231") is None
