"""The clinic intake as a service (intake/clinic_intake.py): typed refusals instead of HTTP
errors, nothing committed by it, and the routes handing it to a worker thread so a clinic's
form never holds up the event loop."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from intake import clinic_api
from intake.clinic_forms import ClinicForm
from intake.clinic_intake import NotAClinic, SentBefore, receive
from ledger.clinics.accounts import issue_token
from models import Clinic, Page, Role, User
from models.db import new_session, session_scope
from samples.sets import SETS_DIR
from tests.inprocess import make_user
from yoshin.city import load_city

FORM = {"ticket_number": "0000000001", "name": "試験 太郎", "name_kana": "シケン タロウ",
        "birth_date": "1960-01-02", "sex": "M", "address": "千葉県松戸市根本387番地の5",
        "body_temperature": "365", "answers": {"q1": "no"}, "consent": True,
        "doctor_decision": "ok", "doctor_name": "田村 誠", "vaccine": "pfizer",
        "dose_number": 1, "vaccination_date": "2023-05-10", "lot_number": "FA1234",
        "dose_ml": "0.3"}


@pytest.fixture(scope="module")
def clinic_user(inprocess_db: Path) -> int:
    load_city(SETS_DIR / "mixed-30", actor="test")
    with session_scope() as session:
        code = session.scalars(select(Clinic.clinic_code)).first()
        assert code is not None
        issue_token(session, code, actor="test")
        clinic = session.scalar(select(Clinic).where(Clinic.clinic_code == code))
        assert clinic is not None and clinic.user_id is not None
        return clinic.user_id


def _pages() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count(Page.id))) or 0


def test_a_second_sending_is_refused_and_nothing_is_committed_by_the_service(
        clinic_user: int) -> None:
    form = ClinicForm.model_validate(FORM)
    before = _pages()
    session = new_session()
    try:
        user = session.get(User, clinic_user)
        assert user is not None
        assert receive(session, user=user, form=form, kind="clinic-json", sent=FORM).page_id
        session.rollback()  # the service committed nothing: a rollback takes it all back
    finally:
        session.close()
    assert _pages() == before
    with session_scope() as session:
        user = session.get(User, clinic_user)
        assert user is not None
        receive(session, user=user, form=form, kind="clinic-json", sent=FORM)
    with session_scope() as session, pytest.raises(SentBefore):
        user = session.get(User, clinic_user)
        assert user is not None
        receive(session, user=user, form=form, kind="clinic-json", sent=FORM)
    assert _pages() == before + 1


def test_an_account_of_no_clinic_is_refused(inprocess_db: Path) -> None:
    user_id, _ = make_user(Role.REVIEWER)
    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        with pytest.raises(NotAClinic):
            receive(session, user=user, form=ClinicForm.model_validate(FORM),
                    kind="clinic-json", sent=FORM)


def test_the_service_runs_off_the_event_loop(clinic_user: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    on_loop: list[bool] = []

    def spy(*args: object, **kwargs: object) -> object:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:  # no loop runs in this thread: a worker thread
            on_loop.append(False)
        return receive(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(clinic_api, "receive", spy)
    from yoshin.app import create_app

    with session_scope() as session:
        code = session.scalars(select(Clinic.clinic_code)).first()
        assert code is not None
        token = issue_token(session, code, actor="test")
    client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    sent = FORM | {"ticket_number": "0000000002"}
    assert client.post("/api/clinic/forms", json=sent).status_code == 201
    assert on_loop == [False]
    assert inspect.iscoroutinefunction(clinic_api.submit_form)
