"""Any sequence of commits, corrections and voids leaves exactly one record per resident,
vaccine and dose, and a complete history of versions (property-based, Hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.records.service import (
    Dose,
    RecordRefused,
    correct_record,
    history,
    record_dose,
    state_of,
    void_record,
)
from models import LedgerRecord, RecordVersion, Resident
from models.db import new_session

VACCINES = ("pfizer", "moderna")
DAY = date(2024, 1, 1)

record_op = st.tuples(st.just("record"), st.integers(0, 1), st.sampled_from(VACCINES),
                      st.integers(1, 2), st.integers(0, 30), st.sampled_from(("AB1", "CD2")))
correct_op = st.tuples(st.just("correct"), st.integers(0, 1), st.sampled_from(VACCINES),
                       st.integers(1, 2), st.integers(0, 30), st.sampled_from(("AB1", "EF3")))
void_op = st.tuples(st.just("void"), st.integers(0, 1), st.sampled_from(VACCINES),
                    st.integers(1, 2), st.just(0), st.just(""))
operations = st.lists(st.one_of(record_op, correct_op, void_op), min_size=1, max_size=25)


@pytest.fixture(scope="module")
def residents(inprocess_db: Path) -> list[int]:
    session = new_session()
    made = [Resident(atena_number=f"PROP{n}", name=f"性質 {n}", name_kana="セイシツ",
                     birth_date=date(1980, 1, 1), sex="F") for n in range(2)]
    session.add_all(made)
    session.commit()
    ids = [r.id for r in made]
    session.close()
    return ids


def _record(session: Session, resident_id: int, vaccine: str, dose: int) -> LedgerRecord | None:
    return session.scalar(select(LedgerRecord).where(
        LedgerRecord.resident_id == resident_id, LedgerRecord.vaccine == vaccine,
        LedgerRecord.dose_number == dose))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations)
def test_one_current_version_and_a_complete_history(residents: list[int], ops: list) -> None:
    session = new_session()
    expected: dict[tuple[int, str, int], dict] = {}
    try:
        for kind, who, vaccine, dose, day, lot in ops:
            key = (residents[who], vaccine, dose)
            model = expected.get(key)
            record = _record(session, *key)
            when = DAY + timedelta(days=day)
            try:
                if kind == "record":
                    record_dose(session, Dose(*key, when, lot), source="scan", actor="prop",
                                user_id=None)
                    assert model is None or model["voided"], "a second write was let through"
                    expected[key] = {"versions": (model or {"versions": 0})["versions"] + 1,
                                     "voided": False, "lot": lot, "day": when}
                elif kind == "correct" and record is not None:
                    correct_record(session, record, {"lot_number": lot, "vaccinated_on": when},
                                   reason="紙と照合", actor="prop", user_id=None)
                    assert not model["voided"]
                    assert (model["lot"], model["day"]) != (lot, when)
                    model.update(versions=model["versions"] + 1, lot=lot, day=when)
                elif kind == "void" and record is not None:
                    void_record(session, record, reason="別人の記録", actor="prop", user_id=None)
                    assert not model["voided"]
                    model.update(versions=model["versions"] + 1, voided=True)
            except RecordRefused:
                if kind == "record":
                    assert model is not None and not model["voided"]
                elif kind == "void":
                    assert model["voided"]
                else:
                    assert model["voided"] or (model["lot"], model["day"]) == (lot, when)
            session.flush()

        for key, model in expected.items():
            rows = session.scalar(select(func.count()).select_from(LedgerRecord).where(
                LedgerRecord.resident_id == key[0], LedgerRecord.vaccine == key[1],
                LedgerRecord.dose_number == key[2]))
            assert rows == 1
            record = _record(session, *key)
            versions = history(session, record.id)
            assert [v.version for v in versions] == list(range(1, model["versions"] + 1))
            assert record.version == model["versions"]
            assert versions[-1].state == state_of(record)
            assert record.voided == model["voided"]
            if not model["voided"]:
                assert (record.lot_number, record.vaccinated_on) == (model["lot"], model["day"])
        assert session.scalar(select(func.count()).select_from(RecordVersion).join(
            LedgerRecord, RecordVersion.record_id == LedgerRecord.id).where(
            LedgerRecord.resident_id.in_(residents))) == sum(
            m["versions"] for m in expected.values())
    finally:
        session.rollback()
        session.close()
