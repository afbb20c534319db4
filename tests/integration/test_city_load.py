"""Loading what the city knows from a set's CSVs: what is there is imported, and what is
not is named, so that a measurement of pages alone says why nobody on them is found."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from models import Resident
from models.db import session_scope
from samples.sets import SETS_DIR
from yoshin.city import load_city


def test_the_csvs_a_folder_lacks_are_named_and_the_rest_imported(inprocess_db: Path,
                                                                 tmp_path: Path) -> None:
    shutil.copy(SETS_DIR / "mixed-30" / "residents.csv", tmp_path)
    assert load_city(tmp_path, actor="test") == ["tickets.csv", "lots.csv", "clinics.csv"]
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Resident)) == 120


def test_a_whole_set_lacks_nothing(inprocess_db: Path) -> None:
    assert load_city(SETS_DIR / "mixed-30", actor="test") == []
