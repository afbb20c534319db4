"""Two people confirming the same dose at the same moment, on PostgreSQL: both pass the
ledger's duplicate check, the unique key lets one in and the other is refused as a
duplicate (a 409 for the API), never a crash."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ledger.records.service import Dose, RecordRefused, record_dose
from models import LedgerRecord, Resident
from models.db import new_session, session_scope
from models.migrate import upgrade
from tests.stack import postgres_database
from yoshin.measure.harness import isolated_home


@pytest.mark.postgres
def test_the_same_dose_confirmed_twice_at_once_is_one_record(tmp_path: Path) -> None:
    with postgres_database() as url, isolated_home(tmp_path, url):
        upgrade()
        with session_scope() as session:
            resident = Resident(atena_number="RACE0001", name="競合 太郎",
                                name_kana="キョウゴウ タロウ", birth_date=date(1960, 1, 1),
                                sex="M")
            session.add(resident)
            session.flush()
            resident_id = resident.id
        dose = Dose(resident_id, "pfizer", 1, date(2024, 1, 10), "FF5357")
        first, second = new_session(), new_session()
        record_dose(first, dose, source="scan", actor="a", user_id=None)
        first.flush()  # inserted, not yet committed: the second insert must wait for it
        outcome: list[object] = []

        def confirm_again() -> None:
            try:
                record_dose(second, dose, source="scan", actor="b", user_id=None)
                second.commit()
                outcome.append("recorded")
            except RecordRefused as refused:
                second.rollback()
                outcome.append(refused)

        racer = threading.Thread(target=confirm_again)
        racer.start()
        racer.join(timeout=1)
        assert racer.is_alive()  # waiting on the first transaction's row
        first.commit()
        racer.join(timeout=30)
        first.close()
        second.close()
        assert len(outcome) == 1 and isinstance(outcome[0], RecordRefused)
        assert "already in the ledger" in str(outcome[0])
        with session_scope() as session:
            assert session.scalar(select(func.count()).select_from(LedgerRecord)) == 1
