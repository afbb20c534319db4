"""Each test starts from a clean database state (tests/conftest.py): what a module fixture
made is there for every test of the module, what an earlier test wrote never is. Both tests
below write and both check, so whichever runs first, the other fails if a row leaks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Resident, audit
from models.db import session_scope


@pytest.fixture(scope="module")
def shared_resident(inprocess_db: Path) -> int:
    with session_scope() as session:
        resident = Resident(atena_number="CLEAN0", name="共有 太郎", name_kana="キョウユウ",
                            birth_date=date(1990, 1, 1), sex="M")
        session.add(resident)
        session.flush()
        return resident.id


def _state() -> tuple[list[str], int]:
    with session_scope() as session:
        return (sorted(session.scalars(select(Resident.atena_number))),
                session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _write(atena: str) -> None:
    with session_scope() as session:
        session.add(Resident(atena_number=atena, name="試験 花子", name_kana="シケン",
                             birth_date=date(1991, 2, 3), sex="F"))
        audit.record(session, actor="test", action="resident.create", subject=atena)


@pytest.mark.parametrize("atena", ["CLEAN1", "CLEAN2", "CLEAN3"])
def test_a_test_sees_the_module_fixture_and_nothing_an_earlier_test_wrote(
        shared_resident: int, atena: str) -> None:
    assert _state() == (["CLEAN0"], 0)
    _write(atena)
    assert _state() == (["CLEAN0", atena], 1)


def test_a_test_without_the_fixture_still_starts_from_the_module_baseline(
        inprocess_db: Path) -> None:
    names, entries = _state()
    assert entries == 0 and not {"CLEAN1", "CLEAN2", "CLEAN3"} & set(names)
    _write("CLEAN4")
