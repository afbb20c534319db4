"""The ledger's repositories: a person's records in the order they were given, the voided
ones only when asked for (ledger/records/repository.py); a clinic by code or by its account
(ledger/clinics/repository.py)."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ledger.clinics.repository import all_clinics, any_clinic, clinic_by_code, clinic_of_account
from ledger.records.repository import records_in_force_of_many, records_of
from models import Clinic, LedgerRecord, Resident, Role, User
from models.db import session_scope


def _resident(session: Session, name: str) -> Resident:
    resident = Resident(atena_number=secrets.token_hex(6), name=name, name_kana="シケン",
                        birth_date=date(1960, 1, 2), sex="F", address="千葉県松戸市")
    session.add(resident)
    session.flush()
    return resident


def _record(resident: Resident, day: date, dose: int, voided: bool = False) -> LedgerRecord:
    return LedgerRecord(resident_id=resident.id, vaccine="pfizer", dose_number=dose,
                        vaccinated_on=day, lot_number="FA1234", source="paper",
                        voided_at=datetime(2024, 6, 1) if voided else None)


def test_records_come_in_the_order_given_and_voided_ones_only_when_asked(
        inprocess_db: Path) -> None:
    with session_scope() as session:
        one, other = _resident(session, "試験 一"), _resident(session, "試験 二")
        session.add_all([_record(one, date(2024, 5, 3), 3), _record(one, date(2023, 1, 9), 1),
                         _record(one, date(2023, 9, 1), 2, voided=True),
                         _record(other, date(2022, 2, 2), 1)])
        session.flush()
        assert [r.dose_number for r in records_of(session, one.id)] == [1, 3]
        assert [r.dose_number for r in records_of(session, one.id, voided=True)] == [1, 2, 3]
        many = records_in_force_of_many(session, [one.id, other.id])
        assert [(r.resident_id, r.dose_number) for r in many] == [
            (other.id, 1), (one.id, 1), (one.id, 3)]
        session.rollback()


def test_an_unknown_resident_is_404_but_only_for_a_caller_with_the_right(
        inprocess_db: Path) -> None:
    from models import Role
    from tests.inprocess import client_as

    supervisor, scanner = client_as(Role.SUPERVISOR), client_as(Role.SCANNER)
    missing = 10**9
    for path in (f"/api/residents/{missing}", f"/api/residents/{missing}/disclosure"):
        answer = supervisor.get(path)
        assert answer.status_code == 404 and answer.json()["detail"] == f"no resident {missing}"
        assert scanner.get(path).status_code == 403  # not told whether the id exists


def test_a_clinic_is_found_by_its_code_or_its_account_and_an_empty_code_finds_none(
        inprocess_db: Path) -> None:
    with session_scope() as session:
        assert not any_clinic(session)
        account = User(username=f"clinic-{secrets.token_hex(3)}", role=Role.CLINIC)
        session.add(account)
        session.flush()
        session.add_all([Clinic(clinic_code="1210001", name="試験医院", user_id=account.id),
                         Clinic(clinic_code="1210000", name="試験クリニック")])
        session.flush()
        assert any_clinic(session)
        found = clinic_by_code(session, "1210001")
        assert found is not None and found.name == "試験医院"
        assert clinic_by_code(session, "") is None and clinic_by_code(session, "9") is None
        assert clinic_of_account(session, account.id) is found
        assert [c.clinic_code for c in all_clinics(session)] == ["1210000", "1210001"]
