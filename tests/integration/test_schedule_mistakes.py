"""Every incoming dose is held against the schedule engine: a dose that is no valid routine
dose (接種間違い) waits for a person with the reason on the value it is about, through the
scan path (the reader's values) and the clinic path (a clinic's digital form) alike, and a
valid one still goes straight into the ledger."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger.checks.routing import decide
from ledger.clinics.accounts import issue_token
from models import (
    Batch,
    Clinic,
    Document,
    FieldSource,
    FieldValue,
    LedgerRecord,
    Lot,
    Page,
    PageState,
    RecordSource,
    Resident,
    Role,
)
from models.db import session_scope
from samples.sets import SETS_DIR
from tests.inprocess import make_user
from yoshin.city import load_city

CLINIC = "1210987654"
BIRTH = date(2025, 6, 15)
"""2 months are reached on 2025-08-14, 3 years on 2028-06-14."""


@pytest.fixture(scope="module")
def clinic(inprocess_db: Path) -> TestClient:
    from yoshin.app import create_app

    with session_scope() as session:
        loaded = session.scalar(select(Clinic).where(Clinic.clinic_code == CLINIC)) is not None
    if not loaded:
        load_city(SETS_DIR / "mixed-30", actor="test")
    with session_scope() as session:
        session.add_all([Lot(lot_number="DPT01A", vaccine="dpt_ipv_hib"),
                         Lot(lot_number="DPT02B", vaccine="dpt_ipv_hib",
                             expires_on=date(2025, 9, 3)),
                         Lot(lot_number="MR001A", vaccine="mr"),
                         Lot(lot_number="JE001A", vaccine="je")])
        token = issue_token(session, CLINIC, actor="test")
    return TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})


def _child() -> Resident:
    """A child of this test alone, with the first 五種混合 dose in the ledger."""
    kana = "ヨシン " + "".join(secrets.choice("アイウエオカキクケコ") for _ in range(8))
    with session_scope() as session:
        child = Resident(atena_number=f"8{secrets.randbelow(10**9):09d}", name="予診 " + kana[4:],
                         name_kana=kana, birth_date=BIRTH, sex="F",
                         address="千葉県松戸市根本387番地の5")
        session.add(child)
        session.flush()
        session.add(LedgerRecord(resident_id=child.id, vaccine="dpt_ipv_hib", dose_number=1,
                                 vaccinated_on=date(2025, 8, 14), lot_number="DPT01A",
                                 source=RecordSource.SCAN))
        session.expunge(child)
    return child


DOSE_2 = {"vaccine": "dpt_ipv_hib", "dose_number": "2", "vaccination_date": "2025-09-04",
          "lot_number": "DPT01A", "dose_ml": "0.5"}
MISTAKES = {
    "interval too short": ({"vaccination_date": "2025-09-03"}, "vaccination_date",
                           "接種間違い: 2025-08-14の接種から20日以上の間隔が必要です"),
    "outside the ages": ({"vaccine": "mr", "dose_number": "1", "lot_number": "MR001A"},
                         "vaccination_date", "接種間違い: 対象期間（2026-06-14〜2027-06-14）"),
    "dose number that does not follow": ({"dose_number": "3"}, "dose_number",
                                         "接種間違い: 3回目とありますが、2回目にあたる接種です"),
    "volume wrong for the age": ({"vaccine": "je", "dose_number": "1", "lot_number": "JE001A",
                                  "vaccination_date": "2025-12-20", "dose_ml": "0.5"}, "dose_ml",
                                 "接種間違い: 接種量 0.5mL は3歳未満の量 0.25mL と異なります"),
    "a lot of another vaccine": ({"lot_number": "MR001A"}, "lot_number", "ロット台帳にない"),
    "an expired lot": ({"lot_number": "DPT02B"}, "lot_number",
                       "接種間違い: 有効期限（2025-09-03）を過ぎたロットです"),
}


def _scan(child: Resident, dose: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The reader's values of a page for the child, sure of each, through the one routing."""
    values = {"name": child.name, "name_kana": child.name_kana,
              "birth_date": child.birth_date.isoformat(), "sex": child.sex,
              "address": child.address, "consent": "true", "signature": "true",
              "doctor_decision": "ok", "doctor_name": "田村 誠", "clinic_code": CLINIC,
              "vaccinator_name": "田村 誠", **dose}
    with session_scope() as session:
        batch = Batch(label="scan", created_by_id=make_user(Role.SCANNER)[0])
        document = Document(batch=batch, sha256=secrets.token_hex(32), filename="scan.pdf",
                            media_type="application/pdf", size_bytes=1, page_count=1)
        page = Page(batch=batch, document=document, sequence=1, page_number=1,
                    image_sha256=secrets.token_hex(32), state=PageState.READING,
                    form_id="clinic-json", form_version=1)
        page.fields = [FieldValue(key=key, position=position, value=value,
                                  source=FieldSource.OCR, confidence=0.99)
                       for position, (key, value) in enumerate(values.items())]
        session.add_all([batch, document, page])
        session.flush()
        decide(session, page, values)
        return page.state, {f.key: f.problem for f in page.current_fields().values()
                            if f.problem}


def _clinic_form(client: TestClient) -> Callable[[Resident, dict[str, str]],
                                                 tuple[str, dict[str, str]]]:
    def send(child: Resident, dose: dict[str, str]) -> tuple[str, dict[str, str]]:
        form = {"name": child.name, "name_kana": child.name_kana,
                "birth_date": child.birth_date.isoformat(), "sex": child.sex,
                "address": child.address, "consent": True, "doctor_decision": "ok",
                "doctor_name": "田村 誠", **dose, "dose_number": int(dose["dose_number"])}
        answer = client.post("/api/clinic/forms", json=form)
        assert answer.status_code == 201, answer.text
        return answer.json()["state"], answer.json()["problems"]
    return send


@pytest.mark.parametrize("path", ["scan", "clinic"])
def test_a_valid_dose_goes_straight_into_the_ledger(clinic: TestClient, path: str) -> None:
    child = _child()
    state, problems = (_scan if path == "scan" else _clinic_form(clinic))(child, DOSE_2)
    assert (state, problems) == (PageState.CONFIRMED, {})


@pytest.mark.parametrize("path", ["scan", "clinic"])
@pytest.mark.parametrize("kind", list(MISTAKES))
def test_each_kind_of_mistake_waits_for_a_person_with_its_reason(
        clinic: TestClient, path: str, kind: str) -> None:
    change, field, reason = MISTAKES[kind]
    child = _child()
    state, problems = (_scan if path == "scan" else _clinic_form(clinic))(
        child, {**DOSE_2, **change})
    assert state == PageState.NEEDS_REVIEW
    assert reason in problems.get(field, ""), problems
    with session_scope() as session:
        held = session.scalars(select(LedgerRecord.vaccinated_on).where(
            LedgerRecord.resident_id == child.id)).all()
    assert held == [date(2025, 8, 14)]


def test_only_a_supervisor_records_a_mistake_and_its_reason_is_kept(clinic: TestClient) -> None:
    """A reviewer's confirmation of a 接種間違い is refused; a supervisor's records the dose as
    given with judgement 'mistake' and the engine's reason on the record and its version."""
    from ledger.records.commit import CommitRefused
    from models import Judgement, RecordVersion, User
    from review_ui import service
    from review_ui.leases import open_page

    child = _child()
    state, _ = _scan(child, {**DOSE_2, "vaccination_date": "2025-09-03"})
    assert state == PageState.NEEDS_REVIEW
    reviewer_id, _ = make_user(Role.REVIEWER)
    supervisor_id, _ = make_user(Role.SUPERVISOR)
    with session_scope() as session:
        page = session.scalars(select(Page).where(Page.resident_id == child.id)).one()
        reviewer = session.get_one(User, reviewer_id)
        open_page(session, page, reviewer)
        with pytest.raises(CommitRefused, match="only a supervisor may record it as given"):
            service.confirm(session, page, user=reviewer)
        service.put_aside(page, user=reviewer)
    with session_scope() as session:
        page = session.scalars(select(Page).where(Page.resident_id == child.id)).one()
        supervisor = session.get_one(User, supervisor_id)
        open_page(session, page, supervisor)
        decision = service.confirm(session, page, user=supervisor)
        assert decision.record_id is not None
        record = session.get_one(LedgerRecord, decision.record_id)
        version = session.scalars(select(RecordVersion).where(
            RecordVersion.record_id == record.id)).one()
        assert (record.judgement, record.judgement_reason) == (
            Judgement.MISTAKE, "接種間違い: 2025-08-14の接種から20日以上の間隔が必要です"
                               "（2025-09-04以降）")
        assert version.state["judgement"] == "mistake"
        assert (record.doctor_name, record.dose_ml, record.screened, record.claim_month,
                record.fee) == ("田村 誠", "0.5", True, "2025-09", "公費")


def _jp_core(child: Resident, day: str, dose: int) -> dict[str, object]:
    family, given = child.name.split(" ", 1)
    kana_family, kana_given = child.name_kana.split(" ", 1)
    syl = [{"url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation",
            "valueCode": "SYL"}]
    return {
        "resourceType": "Immunization",
        "meta": {"profile": ["http://jpfhir.jp/fhir/core/StructureDefinition/JP_Immunization"]},
        "status": "completed",
        "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "120"}]},
        "patient": {"reference": "#p"},
        "contained": [{"resourceType": "Patient", "id": "p",
                       "name": [{"family": family, "given": [given]},
                                {"extension": syl, "family": kana_family,
                                 "given": [kana_given]}],
                       "birthDate": child.birth_date.isoformat(), "gender": "female",
                       "address": [{"text": child.address}]}],
        "occurrenceDateTime": f"{day}T10:00:00+09:00", "lotNumber": "DPT01A",
        "doseQuantity": {"value": 0.5, "unit": "mL", "system": "http://unitsofmeasure.org",
                         "code": "mL"},
        "performer": [{"function": {"coding": [{"code": "AP"}]},
                       "actor": {"display": "田村 誠"}}],
        "protocolApplied": [{"doseNumberPositiveInt": dose}],
    }


def test_a_jp_core_immunization_of_a_childs_dose_takes_the_same_path(
        clinic: TestClient) -> None:
    """The national hub's shape: a CVX code of the master, lot, dose quantity in mL and dose
    number; a valid dose goes straight into the ledger, one a day early waits with its
    reason."""
    child = _child()
    answer = clinic.post("/api/clinic/fhir/Immunization", json=_jp_core(child, "2025-09-04", 2))
    assert answer.status_code == 201, answer.text
    assert (answer.json()["state"], answer.json()["problems"]) == (PageState.CONFIRMED, {})
    with session_scope() as session:
        record = session.scalars(select(LedgerRecord).where(
            LedgerRecord.resident_id == child.id, LedgerRecord.dose_number == 2)).one()
        assert (record.vaccine, record.dose_ml, record.doctor_name, record.source) == (
            "dpt_ipv_hib", "0.5", "田村 誠", "clinic")
    early = _child()
    answer = clinic.post("/api/clinic/fhir/Immunization", json=_jp_core(early, "2025-09-03", 2))
    assert answer.json()["state"] == PageState.NEEDS_REVIEW
    assert answer.json()["problems"]["vaccination_date"].startswith("接種間違い: ")
