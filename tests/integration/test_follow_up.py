"""A form's questionnaire answers do not hold a record back (FormSpec.after_commit): a page
whose only doubts are there goes into the ledger with them flagged, and a person closes the
follow-up later; a doubt about what the record is made of still waits for a person."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger.checks.routing import decide
from models import (
    AuditEvent,
    Batch,
    Clinic,
    Document,
    FieldSource,
    FieldValue,
    LedgerRecord,
    Lot,
    Page,
    PageState,
    Resident,
    Role,
)
from models.db import session_scope
from models.settings import get_settings
from notices.serials import import_handed_out
from ocr.fieldmap import load_forms
from samples.blank_form import FORMS_DIR
from samples.sets import SETS_DIR
from tests.inprocess import make_user
from yoshin.city import load_city

CLINIC = "1210987654"
CHILD_FORM_VACCINES = load_forms(FORMS_DIR)["child"].vaccines
LATER = ("phone", "body_temperature", "q1", "q2", "consent", "signature", "place")


@pytest.fixture(scope="module")
def city(inprocess_db: Path) -> None:
    with session_scope() as session:
        loaded = session.scalar(select(Clinic).where(Clinic.clinic_code == CLINIC)) is not None
        if session.scalar(select(Lot).where(Lot.lot_number == "FLWUP1")) is None:
            session.add(Lot(lot_number="FLWUP1", vaccine="mr"))
    if not loaded:
        load_city(SETS_DIR / "mixed-30", actor="test")


def _child() -> Resident:
    kana = "アトデ " + "".join(secrets.choice("アイウエオカキクケコ") for _ in range(8))
    with session_scope() as session:
        child = Resident(atena_number=f"7{secrets.randbelow(10**9):09d}", name="後出 " + kana[4:],
                         name_kana=kana, birth_date=date(2024, 5, 1), sex="M",
                         address="千葉県松戸市根本387番地の5")
        session.add(child)
        session.flush()
        session.expunge(child)
    return child


def _scan(child: Resident, unsure: dict[str, float], serial: str = "",
          read: dict[str, str] | None = None) -> int:
    """A page of the child's first MR dose read sure of everything but `unsure` (key →
    confidence), routed with the form's questionnaire answers as after-commit fields; with
    `serial`, a personal form's, its QR read; `read` replaces values as read."""
    values = {"name": child.name, "name_kana": child.name_kana,
              "birth_date": child.birth_date.isoformat(), "sex": child.sex,
              "address": child.address, "phone": "047-000-1234", "body_temperature": "365",
              "q1": "no", "q2": "no", "consent": "true", "signature": "true",
              "doctor_decision": "ok", "doctor_name": "田村 誠", "vaccine": "mr",
              "lot_number": "FLWUP1", "dose_ml": "0.5", "dose_number": "1",
              "place": "小金原クリニック", "clinic_code": CLINIC,
              "vaccination_date": "2025-05-20", "vaccinator_name": "田村 誠"}
    values |= ({"notice_serial": serial} if serial else {}) | (read or {})
    with session_scope() as session:
        batch = Batch(label="scan", created_by_id=make_user(Role.SCANNER)[0])
        document = Document(batch=batch, sha256=secrets.token_hex(32), filename="scan.pdf",
                            media_type="application/pdf", size_bytes=1, page_count=1)
        page = Page(batch=batch, document=document, sequence=1, page_number=1,
                    image_sha256=secrets.token_hex(32), state=PageState.READING,
                    form_id="child", form_version=1)
        page.fields = [FieldValue(key=key, position=position, value=value,
                                  source=FieldSource.OCR, confidence=unsure.get(key, 0.99))
                       for position, (key, value) in enumerate(values.items())]
        session.add_all([batch, document, page])
        session.flush()
        decide(session, page, values, after_commit=LATER, offered=CHILD_FORM_VACCINES)
        return page.id


def _serial(child: Resident, programme: str) -> str:
    serial = "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
    with session_scope() as session:
        import_handed_out(session, [{"serial": serial, "atena_number": child.atena_number,
                                     "programme": programme, "dose": "1", "form_id": "child"}],
                          actor="test", on=date(2025, 4, 1))
    return serial


def _current(page_id: int, key: str) -> tuple[str, FieldSource]:
    """The value a page holds for `key` now, and where it came from."""
    with session_scope() as session:
        field = session.get_one(Page, page_id).current_fields()[key]
        return field.value, field.source


def _state(page_id: int) -> tuple[str, list[str] | None, int]:
    with session_scope() as session:
        page = session.get_one(Page, page_id)
        records = session.scalars(select(LedgerRecord).where(
            LedgerRecord.resident_id == page.resident_id)).all()
        return page.state, page.follow_up, len(records)


def test_doubted_answers_are_flagged_and_do_not_hold_the_record_back(city: None) -> None:
    child = _child()
    page_id = _scan(child, {"q2": 0.4, "body_temperature": 0.5})
    assert _state(page_id) == (PageState.CONFIRMED, ["body_temperature", "q2"], 1)


def test_a_doubt_about_what_the_record_is_made_of_still_waits(city: None) -> None:
    child = _child()
    page_id = _scan(child, {"q2": 0.4, "vaccination_date": 0.5})
    assert _state(page_id) == (PageState.NEEDS_REVIEW, None, 0)


def test_a_personal_forms_serial_confirms_the_one_vaccine_the_form_offers_for_it(
        city: None) -> None:
    """The city sent the form for MR, and the child's form offers one MR vaccine: a doubted
    tick read as that one is confirmed by the serial (the lot doubted too, so that the lot
    master does not vouch for the tick). On a blank form, or with the serial of another
    programme, the same doubts wait for a person."""
    doubts = {"vaccine": 0.49, "lot_number": 0.6}
    child = _child()
    page_id = _scan(child, doubts, _serial(child, "mr"))
    assert _state(page_id) == (PageState.CONFIRMED, None, 1)
    assert _current(page_id, "vaccine") == ("mr", FieldSource.REGISTER)
    assert _state(_scan(_child(), doubts))[0] == PageState.NEEDS_REVIEW
    other = _child()
    assert _state(_scan(other, doubts, _serial(other, "pcv")))[0] \
        == PageState.NEEDS_REVIEW


def test_no_tick_beside_a_written_lot_is_the_one_vaccine_the_serials_form_offers(
        city: None) -> None:
    """No tick read (a doubted blank: a mark past the box) but a lot written: on the MR
    serial's form the dose can only be MR, and the lot master finds the lot an MR lot. On a
    blank form, with no lot, or with another vaccine's lot, it waits for a person."""
    blank_tick = {"vaccine": ""}
    child = _child()
    page_id = _scan(child, {"vaccine": 0.5}, _serial(child, "mr"), read=blank_tick)
    assert _state(page_id) == (PageState.CONFIRMED, None, 1)
    assert _current(page_id, "vaccine") == ("mr", FieldSource.REGISTER)
    assert _state(_scan(_child(), {"vaccine": 0.5}, read=blank_tick))[0] \
        == PageState.NEEDS_REVIEW
    for read in ({**blank_tick, "lot_number": ""}, {**blank_tick, "lot_number": "ZZ9999"}):
        other = _child()
        assert _state(_scan(other, {"vaccine": 0.5}, _serial(other, "mr"), read=read))[0] \
            == PageState.NEEDS_REVIEW, read


def test_the_vaccine_a_serial_confirms_confirms_the_volume_it_is_given_in(city: None) -> None:
    """The tick and the volume mark both doubted (a stroke across both rows): the serial
    names MR, given in 0.5 mL at every age, so the volume read as 0.5 is confirmed with the
    vaccine (the lot doubted too, so that only the serial vouches for the tick). Another
    volume, or the same doubts on a blank form, wait for a person."""
    doubts = {"vaccine": 0.49, "dose_ml": 0.49, "lot_number": 0.6}
    child = _child()
    page_id = _scan(child, doubts, _serial(child, "mr"))
    assert _state(page_id) == (PageState.CONFIRMED, None, 1)
    assert _current(page_id, "dose_ml") == ("0.5", FieldSource.REGISTER)
    other = _child()
    assert _state(_scan(other, doubts, _serial(other, "mr"), read={"dose_ml": "0.25"}))[0] \
        == PageState.NEEDS_REVIEW
    assert _state(_scan(_child(), doubts))[0] == PageState.NEEDS_REVIEW


GIVEN_BLANK = {"vaccine": "", "lot_number": "", "dose_ml": "", "place": "",
               "vaccination_date": "", "vaccinator_name": ""}


def test_a_deferral_read_surely_is_filed_without_a_person(city: None) -> None:
    """見合わせ marked and read surely, the vaccination box blank: the page is filed as a
    deferral (予診のみ) by the reader, audited, and no record is made. A deferral beside a
    filled vaccination box, a deferral the reader doubted, or one whose resident is not
    known waits for a person."""
    from ledger.checks.routing import DEFERRED

    child = _child()
    deferred = {**GIVEN_BLANK, "doctor_decision": "defer"}
    page_id = _scan(child, {"q2": 0.4}, _serial(child, "mr"), read=deferred)
    assert _state(page_id) == (PageState.REJECTED, None, 0)
    with session_scope() as session:
        page = session.get_one(Page, page_id)
        assert page.state_reason == DEFERRED and page.decided_by_id is None
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "page.deferred", AuditEvent.subject == f"page:{page_id}")).one()
        assert event.actor == "system:reader" and event.resident_id == child.id
    given = {"doctor_decision": "defer"}
    assert _state(_scan(_child(), {}, read=given))[0] == PageState.NEEDS_REVIEW
    assert _state(_scan(_child(), {"doctor_decision": 0.6}, read=deferred))[0] \
        == PageState.NEEDS_REVIEW
    assert _state(_scan(_child(), {"vaccination_date": 0.5}, read=deferred))[0] \
        == PageState.NEEDS_REVIEW
    stranger = {**deferred, "name": "誰 でもない", "name_kana": "ダレ デモナイ"}
    assert _state(_scan(_child(), {}, read=stranger))[0] == PageState.NEEDS_REVIEW


def test_a_city_that_commits_by_hand_files_deferrals_by_hand(
        city: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOSHIN_AUTO_COMMIT_READY", "false")
    get_settings.cache_clear()
    try:
        deferred = {**GIVEN_BLANK, "doctor_decision": "defer"}
        assert _state(_scan(_child(), {}, read=deferred))[0] == PageState.NEEDS_REVIEW
    finally:
        monkeypatch.delenv("YOSHIN_AUTO_COMMIT_READY")
        get_settings.cache_clear()


def test_a_misread_place_lets_the_clinic_code_confirm_its_doctor(city: None) -> None:
    """The place misread (院 for 小金原クリニック) and unsure, the vaccinating doctor's name
    one character off and unsure: the clinic's code names the clinic, whose doctor the name
    is near, and the record goes in. The same place read surely says the dose was given
    elsewhere, and the doctor's name waits for a person."""
    read = {"place": "院", "vaccinator_name": "田村 誡"}
    doubted = {"place": 0.4, "vaccinator_name": 0.6}
    assert _state(_scan(_child(), doubted, read=read))[0] == PageState.CONFIRMED
    assert _state(_scan(_child(), {"vaccinator_name": 0.6}, read=read))[0] \
        == PageState.NEEDS_REVIEW


def test_the_screening_doctor_holds_the_record_back_only_as_its_doctor(city: None) -> None:
    """The record's doctor (接種医) is the vaccinator, the screening doctor (予診医) only when no
    vaccinator is written: a doubted screening doctor's name beside a vaccinator's read
    surely goes in flagged; beside a blank or doubted vaccinator's name it waits."""
    far = {"doctor_name": "研 一"}  # near no doctor of the clinic, so nothing confirms it
    page_id = _scan(_child(), {"doctor_name": 0.5}, read=far)
    assert _state(page_id) == (PageState.CONFIRMED, ["doctor_name"], 1)
    with session_scope() as session:
        record = session.scalars(select(LedgerRecord).where(
            LedgerRecord.resident_id == session.get_one(Page, page_id).resident_id)).one()
        assert record.doctor_name == "田村 誠"
    blank = {**far, "vaccinator_name": ""}
    assert _state(_scan(_child(), {"doctor_name": 0.5}, read=blank))[0] \
        == PageState.NEEDS_REVIEW
    doubted = {**far, "vaccinator_name": "封 誠"}
    assert _state(_scan(_child(), {"doctor_name": 0.5, "vaccinator_name": 0.5},
                        read=doubted))[0] == PageState.NEEDS_REVIEW


def test_a_doubted_signature_goes_in_flagged_rather_than_held(city: None) -> None:
    """The signature is the form's, not the record's: the later look is where it is seen."""
    page_id = _scan(_child(), {"signature": 0.4})
    state, flagged, records = _state(page_id)
    assert (state, flagged, records) == (PageState.CONFIRMED, ["signature"], 1)


def test_the_follow_up_is_listed_closed_with_a_correction_and_audited(city: None) -> None:
    from yoshin.app import create_app

    page_id = _scan(_child(), {"q1": 0.3, "q2": 0.4})
    reviewer, token = make_user(Role.REVIEWER)
    client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    listed = {row["page_id"]: row for row in client.get("/api/follow-ups").json()}
    assert [(f["key"], f["value"]) for f in listed[page_id]["fields"]] == [("q1", "no"),
                                                                          ("q2", "no")]
    refused = client.post(f"/api/pages/{page_id}/follow-up",
                          json={"values": {"vaccination_date": "2025-05-21"}})
    assert refused.status_code == 409 and "flagged" in refused.json()["detail"]
    done = client.post(f"/api/pages/{page_id}/follow-up", json={"values": {"q2": "yes"}})
    assert done.status_code == 200, done.text
    assert [(f["key"], f["value"]) for f in done.json()["fields"]] == [("q1", "no"),
                                                                      ("q2", "yes")]
    assert page_id not in {row["page_id"] for row in client.get("/api/follow-ups").json()}
    again = client.post(f"/api/pages/{page_id}/follow-up", json={"values": {}})
    assert again.status_code == 409
    with session_scope() as session:
        page = session.get_one(Page, page_id)
        assert page.followed_up_by_id == reviewer and page.state == PageState.CONFIRMED
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "page.follow_up",
            AuditEvent.subject == f"page:{page_id}")).one()
        assert event.detail == {"corrected": ["q2"], "flagged": ["q1", "q2"]}


def test_a_scanner_may_not_see_or_close_follow_ups(city: None) -> None:
    from yoshin.app import create_app

    page_id = _scan(_child(), {"q1": 0.3})
    _, token = make_user(Role.SCANNER)
    client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    assert client.get("/api/follow-ups").status_code == 403
    assert client.post(f"/api/pages/{page_id}/follow-up",
                       json={"values": {}}).status_code == 403
    assert _state(page_id)[0] == PageState.CONFIRMED


def test_the_screen_lists_a_follow_up_and_closes_it_with_a_correction(city: None) -> None:
    from tests.integration.test_rematch_second_check import Person

    page_id = _scan(_child(), {"q2": 0.4})
    reviewer = Person(Role.REVIEWER)
    assert f'id="follow-up-{page_id}"' in reviewer.screen("/follow-up")
    assert reviewer._screens is not None
    ours = {"Origin": "http://testserver"}  # a form posted from our own screen
    done = reviewer._screens.post(f"/follow-up/{page_id}", data={"value:q2": "yes"},
                                  headers=ours, follow_redirects=False)
    assert done.status_code == 303
    assert f'id="follow-up-{page_id}"' not in reviewer.screen("/follow-up")
    with session_scope() as session:
        page = session.get_one(Page, page_id)
        assert page.current_fields()["q2"].value == "yes"
        assert page.followed_up_by_id == reviewer.id
    missing = reviewer._screens.post("/follow-up/999999999", data={}, headers=ours,
                                     follow_redirects=False)
    assert missing.status_code == 404
