"""Digital forms from a clinic, as our JSON and as FHIR R4 Immunization: the same checks
and the same path into the ledger as a scanned form."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger.clinics.accounts import issue_token
from models import Clinic, LedgerRecord, Lot, Resident, Role, Ticket
from models.db import session_scope
from samples.sets import SETS_DIR
from tests.inprocess import client_as
from yoshin.city import load_city

CLINIC = "1210987654"


@pytest.fixture(scope="module")
def clinic(inprocess_db: Path) -> TestClient:
    from yoshin.app import create_app

    with session_scope() as session:
        loaded = session.scalar(select(Clinic).where(Clinic.clinic_code == CLINIC)) is not None
    if not loaded:
        load_city(SETS_DIR / "mixed-30", actor="test")
    with session_scope() as session:
        token = issue_token(session, CLINIC, actor="test")
    return TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})


def _holder(index: int) -> tuple[Ticket, Resident, str]:
    with session_scope() as session:
        ticket = session.scalars(select(Ticket).order_by(Ticket.ticket_number)).all()[index]
        resident = session.get(Resident, ticket.resident_id)
        lot = session.scalar(select(Lot.lot_number).where(Lot.vaccine == "pfizer"))
        session.expunge_all()
        return ticket, resident, lot


def _form(index: int, dose: int = 1) -> dict:
    ticket, resident, lot = _holder(index)
    return {"ticket_number": ticket.ticket_number, "name": resident.name,
            "name_kana": resident.name_kana, "birth_date": resident.birth_date.isoformat(),
            "sex": resident.sex, "address": resident.address, "body_temperature": "365",
            "answers": {"q1": "no", "q7": "no"}, "consent": True, "doctor_decision": "ok",
            "doctor_name": "田村 誠", "vaccine": "pfizer", "dose_number": dose,
            "vaccination_date": "2023-05-10", "lot_number": lot, "dose_ml": "0.3"}


def _records(resident_id: int) -> list[tuple[str, int, str]]:
    with session_scope() as session:
        return [(r.vaccine, r.dose_number, r.source) for r in session.scalars(
            select(LedgerRecord).where(LedgerRecord.resident_id == resident_id))]


def test_a_complete_form_goes_straight_into_the_ledger_once(clinic: TestClient) -> None:
    form = _form(0)
    answer = clinic.post("/api/clinic/forms", json=form)
    assert answer.status_code == 201, answer.text
    received = answer.json()
    assert received["state"] == "confirmed" and received["problems"] == {}
    assert _records(received["resident_id"]) == [("pfizer", 1, "clinic")]
    assert clinic.post("/api/clinic/forms", json=form).status_code == 409
    again = clinic.post("/api/clinic/forms", json={**form, "body_temperature": "366"})
    assert again.status_code == 201 and again.json()["state"] == "needs_review"
    assert "already in the ledger" in again.json()["reason"]
    assert _records(received["resident_id"]) == [("pfizer", 1, "clinic")]


def test_an_unknown_person_waits_for_a_reviewer(clinic: TestClient) -> None:
    form = {**_form(1), "ticket_number": "0000000001", "name": "存在 しない",
            "name_kana": "ソンザイ シナイ", "birth_date": "1901-01-01"}
    answer = clinic.post("/api/clinic/forms", json=form)
    assert answer.status_code == 201, answer.text
    assert answer.json()["state"] == "needs_review"
    assert answer.json()["resident_id"] is None
    assert "ticket_number" in answer.json()["problems"]


def test_bad_input_is_refused_without_echoing_it(clinic: TestClient) -> None:
    broken = clinic.post("/api/clinic/forms", content=b'{"name": "x",',
                         headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    wrong = clinic.post("/api/clinic/forms", json={**_form(2), "sex": "X",
                                                   "birth_date": "secret-1960"})
    assert wrong.status_code == 422 and "secret-1960" not in wrong.text
    assert {tuple(p["loc"]) for p in wrong.json()["detail"]} == {("sex",), ("birth_date",)}
    extra = clinic.post("/api/clinic/forms", json={**_form(2), "my_number": "123456789018"})
    assert extra.status_code == 422 and "123456789018" not in extra.text
    assert client_as(Role.REVIEWER).post("/api/clinic/forms", json=_form(2)).status_code == 403


def _immunization(index: int) -> dict:
    ticket, resident, lot = _holder(index)
    family, given = resident.name.split(" ", 1)
    kana_family, kana_given = resident.name_kana.split(" ", 1)
    syl = [{"url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation",
            "valueCode": "SYL"}]
    return {
        "resourceType": "Immunization", "status": "completed",
        "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "208"}]},
        "patient": {"reference": "#p"},
        "contained": [{"resourceType": "Patient", "id": "p",
                       "identifier": [{"system": "https://yoshin.example/fhir/ticket-number",
                                       "value": ticket.ticket_number}],
                       "name": [{"family": family, "given": [given]},
                                {"extension": syl, "family": kana_family,
                                 "given": [kana_given]}],
                       "birthDate": resident.birth_date.isoformat(),
                       "gender": "male" if resident.sex == "M" else "female",
                       "address": [{"text": resident.address}]}],
        "occurrenceDateTime": "2023-06-01T10:30:00+09:00", "lotNumber": lot,
        "doseQuantity": {"value": 0.3, "unit": "mL"},
        "performer": [{"actor": {"display": "大野 恵美"}}],
        "protocolApplied": [{"doseNumberPositiveInt": 2}],
    }


def test_a_fhir_immunization_takes_the_same_path(clinic: TestClient) -> None:
    resource = _immunization(3)
    answer = clinic.post("/api/clinic/fhir/Immunization", json=resource)
    assert answer.status_code == 201, answer.text
    assert answer.json()["state"] == "confirmed", answer.json()
    assert _records(answer.json()["resident_id"]) == [("pfizer", 2, "clinic")]

    unknown = copy.deepcopy(_immunization(4))
    unknown["vaccineCode"]["coding"][0]["code"] = "999"
    answer = clinic.post("/api/clinic/fhir/Immunization", json=unknown)
    assert answer.status_code == 201 and answer.json()["state"] == "needs_review"
    assert "vaccine" in answer.json()["problems"]
    not_fhir = clinic.post("/api/clinic/fhir/Immunization", json={"resourceType": "Patient"})
    assert not_fhir.status_code == 422
