"""A page put on another resident is a changed identifier, and no one who changed a page
approves it (issue 14, item 1).

Before: `PUT /api/pages/{id}/resident` to another resident, then confirm, and the dose was
in the ledger on the wrong person with one reviewer's say; and a supervisor who corrected a
page could approve it when someone else had pressed confirm.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from models import (
    AuditEvent,
    Batch,
    Document,
    FieldSource,
    FieldValue,
    LedgerRecord,
    Page,
    PageState,
    Resident,
    Role,
    User,
)
from models.db import session_scope
from models.settings import get_settings
from tests.inprocess import make_user


def _resident(name: str) -> int:
    with session_scope() as session:
        resident = Resident(atena_number=f"RM{secrets.token_hex(6)}", name=name,
                            name_kana="シケン タロウ", birth_date=date(1960, 4, 1), sex="M")
        session.add(resident)
        session.flush()
        return resident.id


def _page(resident_id: int | None, name: str) -> int:
    """A page the reader left for review, matched by the reader to `resident_id` (None: no
    unique match), whose values would pass into the ledger as they stand."""
    values = {"name": name, "vaccine": "pfizer", "dose_number": "1",
              "vaccination_date": "2022-01-05", "lot_number": "FF5357"}
    scanner_id, _ = make_user(Role.SCANNER)
    with session_scope() as session:
        batch = Batch(created_by_id=scanner_id)
        document = Document(batch=batch, sha256=secrets.token_hex(32), filename="x.png",
                            media_type="image/png", size_bytes=1, page_count=1)
        page = Page(batch=batch, document=document, sequence=1, page_number=1,
                    image_sha256="0", state=PageState.NEEDS_REVIEW, resident_id=resident_id)
        page.fields = [FieldValue(key=key, value=value, source=FieldSource.OCR, confidence=0.99,
                                  position=position)
                       for position, (key, value) in enumerate(values.items())]
        session.add(page)
        session.flush()
        return page.id


class Person:
    """A user with an API client, and a browser-like client with a session for the screens."""

    def __init__(self, role: Role) -> None:
        from yoshin.app import create_app

        self.id, token = make_user(role)
        with session_scope() as session:
            user = session.get(User, self.id)
            user.set_password("correct horse battery")
            self.username = user.username
        self.api = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
        self._screens: TestClient | None = None

    def screen(self, path: str) -> str:
        from yoshin.app import create_app

        if self._screens is None:
            self._screens = TestClient(create_app())
            assert self._screens.post("/api/session", json={
                "username": self.username, "password": "correct horse battery"}
            ).status_code == 200
        answer = self._screens.get(path)
        assert answer.status_code == 200, answer.text
        return answer.text

    def open(self, page_id: int) -> dict:
        answer = self.api.post(f"/api/pages/{page_id}/open")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def match(self, page_id: int, resident_id: int) -> dict:
        answer = self.api.put(f"/api/pages/{page_id}/resident",
                              json={"resident_id": resident_id})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def correct(self, page_id: int, **values: str) -> None:
        answer = self.api.patch(f"/api/pages/{page_id}/fields", json={"values": values})
        assert answer.status_code == 200, answer.text

    def confirm(self, page_id: int) -> dict:
        answer = self.api.post(f"/api/pages/{page_id}/confirm")
        assert answer.status_code == 200, answer.text
        return answer.json()

    def release(self, page_id: int) -> None:
        assert self.api.post(f"/api/pages/{page_id}/release").status_code == 200


def _records(page_id: int) -> list[int]:
    with session_scope() as session:
        return list(session.scalars(select(LedgerRecord.resident_id)
                                    .where(LedgerRecord.page_id == page_id)))


def _refusals(page_id: int, username: str) -> list[dict]:
    with session_scope() as session:
        return [event.detail for event in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "page.second_check.refused",
                                     AuditEvent.subject == f"page:{page_id}",
                                     AuditEvent.actor == username))]


@pytest.fixture
def second_check_on(inprocess_db: Path) -> None:
    assert get_settings().second_check


def test_matching_another_resident_needs_a_second_person(second_check_on: None) -> None:
    read_as, chosen = _resident("試験 読取"), _resident("試験 別人")
    page_id = _page(read_as, "試験 読取")
    reviewer, supervisor = Person(Role.REVIEWER), Person(Role.SUPERVISOR)
    reviewer.open(page_id)
    reviewer.match(page_id, chosen)
    confirmation = reviewer.confirm(page_id)
    assert (confirmation["state"], confirmation["changed"]) == ("second_check", ["resident"])
    assert confirmation["record_id"] is None and _records(page_id) == []

    screen = supervisor.screen(f"/second-check/{page_id}")
    assert 'data-key="resident"' in screen and "住民の照合" in screen
    assert "試験 読取" in screen and "試験 別人" in screen and reviewer.username in screen
    assert 'id="approve"' in screen
    assert "住民の照合" in supervisor.screen("/second-check")

    answer = supervisor.api.post(f"/api/pages/{page_id}/approve")
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "confirmed"
    assert _records(page_id) == [chosen]


def test_matching_an_unmatched_page_by_hand_needs_a_second_person(
        second_check_on: None) -> None:
    chosen = _resident("試験 未照合")
    page_id = _page(None, "試験 未照合")
    reviewer = Person(Role.REVIEWER)
    reviewer.open(page_id)
    reviewer.match(page_id, chosen)
    confirmation = reviewer.confirm(page_id)
    assert (confirmation["state"], confirmation["changed"]) == ("second_check", ["resident"])
    assert _records(page_id) == []


def test_choosing_the_readers_own_match_is_no_change(second_check_on: None) -> None:
    read_as, other = _resident("試験 同一"), _resident("試験 往復")
    page_id = _page(read_as, "試験 同一")
    reviewer = Person(Role.REVIEWER)
    reviewer.open(page_id)
    reviewer.match(page_id, read_as)
    reviewer.match(page_id, other)
    reviewer.match(page_id, read_as)  # and back: the page is on the reader's resident again
    confirmation = reviewer.confirm(page_id)
    assert (confirmation["state"], confirmation["changed"]) == ("confirmed", [])
    assert _records(page_id) == [read_as]


def test_the_one_who_matched_the_resident_cannot_approve(second_check_on: None) -> None:
    read_as, chosen = _resident("試験 照合者"), _resident("試験 照合先")
    page_id = _page(read_as, "試験 照合者")
    matcher, reviewer, other = (Person(Role.SUPERVISOR), Person(Role.REVIEWER),
                                Person(Role.SUPERVISOR))
    matcher.open(page_id)
    matcher.match(page_id, chosen)
    matcher.release(page_id)
    reviewer.open(page_id)
    assert reviewer.confirm(page_id)["state"] == "second_check"

    refused = matcher.api.post(f"/api/pages/{page_id}/approve")
    assert refused.status_code == 409, refused.text
    assert "matched it to its resident" in refused.json()["detail"]
    assert _refusals(page_id, matcher.username) == [
        {"attempted": "approve", "confirmed": False, "matched": True, "corrected": []}]
    assert _records(page_id) == []
    screen = matcher.screen(f"/second-check/{page_id}")
    assert 'id="own-part"' in screen and "住民の照合" in screen and 'id="approve"' not in screen

    answer = other.api.post(f"/api/pages/{page_id}/approve")
    assert answer.status_code == 200, answer.text
    assert _records(page_id) == [chosen]


def test_the_one_who_corrected_a_value_cannot_approve(second_check_on: None) -> None:
    read_as = _resident("試験 訂正前")
    page_id = _page(read_as, "試験 訂正前")
    corrector, reviewer, other = (Person(Role.SUPERVISOR), Person(Role.REVIEWER),
                                  Person(Role.SUPERVISOR))
    corrector.open(page_id)
    corrector.correct(page_id, lot_number="EW0150", dose_number="1")
    corrector.release(page_id)
    reviewer.open(page_id)
    reviewer.correct(page_id, lot_number="EW0150")  # saved again unchanged: still not theirs
    confirmation = reviewer.confirm(page_id)
    assert (confirmation["state"], confirmation["changed"]) == ("second_check", ["lot_number"])

    refused = corrector.api.post(f"/api/pages/{page_id}/approve")
    assert refused.status_code == 409, refused.text
    assert "corrected dose_number, lot_number" in refused.json()["detail"]
    assert _refusals(page_id, corrector.username) == [
        {"attempted": "approve", "confirmed": False, "matched": False,
         "corrected": ["dose_number", "lot_number"]}]
    screen = corrector.screen(f"/second-check/{page_id}")
    assert 'id="own-part"' in screen and "lot_number" in screen and 'id="approve"' not in screen
    assert corrector.api.post(f"/api/pages/{page_id}/send-back",
                              json={"reason": "自分で直した"}).status_code == 409

    refused = reviewer.api.post(f"/api/pages/{page_id}/approve")
    assert refused.status_code == 403  # a reviewer makes no second check at all
    answer = other.api.post(f"/api/pages/{page_id}/approve")
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "confirmed"


def test_the_confirmer_still_cannot_approve(second_check_on: None) -> None:
    read_as, chosen = _resident("試験 確定者"), _resident("試験 確定先")
    page_id = _page(read_as, "試験 確定者")
    supervisor = Person(Role.SUPERVISOR)
    supervisor.open(page_id)
    supervisor.match(page_id, chosen)
    assert supervisor.confirm(page_id)["state"] == "second_check"
    refused = supervisor.api.post(f"/api/pages/{page_id}/approve")
    assert refused.status_code == 409
    assert "confirmed the page and matched it to its resident" in refused.json()["detail"]
    assert _records(page_id) == []
