"""Correcting and voiding a ledger record through the API: supervisors only, a reason always,
every version kept."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from ledger.records.service import Dose, record_dose
from models import Resident, Role
from models.db import session_scope
from tests.inprocess import client_as


def _record() -> int:
    with session_scope() as session:
        resident = Resident(atena_number=f"REC{secrets.token_hex(4)}", name="記録 太郎",
                            name_kana="キロク タロウ", birth_date=date(1970, 5, 5), sex="M")
        session.add(resident)
        session.flush()
        record = record_dose(session, Dose(resident.id, "pfizer", 1, date(2024, 2, 1), "FJ5929"),
                             source="scan", actor="test", user_id=None)
        session.flush()
        return record.id


def test_a_correction_is_a_new_version_with_who_and_why(inprocess_db: Path) -> None:
    record_id = _record()
    supervisor = client_as(Role.SUPERVISOR)
    answer = supervisor.patch(f"/api/records/{record_id}",
                              json={"lot_number": "FH0151", "reason": "ロットシールの貼り間違い"})
    assert answer.status_code == 200, answer.text
    record = answer.json()
    assert (record["lot_number"], record["version"]) == ("FH0151", 2)
    assert [(v["version"], v["action"], v["state"]["lot_number"]) for v in record["history"]] \
        == [(1, "create", "FJ5929"), (2, "correct", "FH0151")]
    assert record["history"][1]["reason"] == "ロットシールの貼り間違い"
    assert record["history"][1]["actor"].startswith("supervisor-")

    same = supervisor.patch(f"/api/records/{record_id}", json={"lot_number": "FH0151",
                                                               "reason": "again"})
    assert same.status_code == 409 and "changes nothing" in same.json()["detail"]
    no_reason = supervisor.patch(f"/api/records/{record_id}", json={"lot_number": "X1"})
    assert no_reason.status_code == 422
    reviewer = client_as(Role.REVIEWER)
    assert reviewer.patch(f"/api/records/{record_id}",
                          json={"lot_number": "X1", "reason": "r"}).status_code == 403
    assert reviewer.get(f"/api/records/{record_id}").json()["version"] == 2


def test_a_void_keeps_the_record_and_refuses_further_corrections(inprocess_db: Path) -> None:
    record_id = _record()
    supervisor = client_as(Role.SUPERVISOR)
    answer = supervisor.post(f"/api/records/{record_id}/void", json={"reason": "別人の予診票"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["voided"] and answer.json()["void_reason"] == "別人の予診票"
    assert supervisor.post(f"/api/records/{record_id}/void",
                           json={"reason": "again"}).status_code == 409
    assert supervisor.patch(f"/api/records/{record_id}",
                            json={"lot_number": "X1", "reason": "r"}).status_code == 409
    assert [v["action"] for v in supervisor.get(f"/api/records/{record_id}").json()["history"]] \
        == ["create", "void"]
    assert supervisor.get("/api/records/999999").status_code == 404
