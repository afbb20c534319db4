"""The field grid (項目別確認, issue 17) on PostgreSQL: one field's doubtful values across the
pages waiting for a person, listed with their crops, and each confirmed or corrected there
through the review screen's own correction, after which it is no longer doubtful; pages
another reviewer holds are neither listed nor changed; scanners and clinics are refused."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger.checks.doubt import refresh_problems
from ledger.checks.second_check import changed_identifiers
from models import AuditEvent, Batch, Document, FieldSource, FieldValue, Page, PageState, Role
from models.base import utcnow
from models.db import session_scope
from models.migrate import upgrade
from models.storage import put
from tests.conftest import _empty_database
from tests.inprocess import make_user
from tests.stack import postgres_database
from yoshin.measure.harness import isolated_home

pytestmark = pytest.mark.postgres

KEY = "vaccination_date"
BOX = [40, 30, 200, 40]


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A PostgreSQL database of this module's own, migrated once."""
    with postgres_database() as url, isolated_home(tmp_path_factory.mktemp("grid"), url):
        upgrade()
        yield


@pytest.fixture(autouse=True)
def empty(database: None) -> None:
    """Each test counts pages from nothing: the grid's summary is over every waiting page."""
    _empty_database()


def _image() -> str:
    """A stored page image, so that the grid's crops can be fetched."""
    image = np.full((200, 400), 255, np.uint8)
    cv2.putText(image, "2025-05-20", (50, 60), cv2.FONT_HERSHEY_SIMPLEX, 0.8, 0, 2)
    return put(cv2.imencode(".png", image)[1].tobytes())[0]


def _page(date_value: str, date_confidence: float, *, lot_confidence: float = 0.99,
          state: PageState = PageState.NEEDS_REVIEW, lease_user: int | None = None) -> int:
    """A page as the reader left it: sure of all but the given confidences (and always
    unsure of the first question's answer); problems checked as the reader checks them.
    `lease_user`: in review under that user's lease."""
    values = {"name": "試験 格子", "birth_date": "2020-01-01", "vaccine": "mr",
              "dose_number": "1", KEY: date_value, "lot_number": "GRID01", "q1": "no"}
    confidence = {KEY: date_confidence, "lot_number": lot_confidence, "q1": 0.4}
    scanner_id, _ = make_user(Role.SCANNER)
    with session_scope() as session:
        batch = Batch(created_by_id=scanner_id)
        document = Document(batch=batch, sha256=secrets.token_hex(32), filename="x.png",
                            media_type="image/png", size_bytes=1, page_count=1)
        page = Page(batch=batch, document=document, sequence=1, page_number=1,
                    image_sha256=_image(), state=state, form_id="child", form_version=1)
        if lease_user is not None:
            page.lease_user_id, page.lease_until = lease_user, utcnow() + timedelta(minutes=10)
        page.fields = [FieldValue(key=key, value=value, source=FieldSource.OCR, box=BOX,
                                  confidence=confidence.get(key, 0.99), position=position)
                       for position, (key, value) in enumerate(values.items())]
        session.add_all([batch, document, page])
        session.flush()
        refresh_problems(session, page.current_fields(), resident_id=None, page_id=page.id)
        return page.id


def _client(role: Role) -> tuple[int, TestClient]:
    from yoshin.app import create_app

    user_id, token = make_user(role)
    return user_id, TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})


def _actions(page_id: int) -> list[tuple[str, str, object]]:
    with session_scope() as session:
        return [(e.action, e.actor, e.detail) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.subject == f"page:{page_id}")
            .order_by(AuditEvent.id))]


def test_the_grid_lists_the_pages_waiting_with_the_field_doubtful() -> None:
    me, client = _client(Role.REVIEWER)
    other, _ = _client(Role.REVIEWER)
    unsure = _page("2025-05-20", 0.55)
    future = _page("2099-12-31", 0.97)  # sure, but breaks a rule
    mine = _page("2025-06-02", 0.40, state=PageState.IN_REVIEW, lease_user=me)
    _page("2025-05-21", 0.30, state=PageState.IN_REVIEW, lease_user=other)  # held by another
    _page("2025-05-22", 0.30, state=PageState.CONFIRMED)  # in the ledger already
    lot_only = _page("2025-05-23", 0.99, lot_confidence=0.5)

    keys = {row["key"]: row for row in client.get("/api/field-grid").json()}
    # the doubted answer to q1 is the later look's: it holds no page back
    assert {k: row["pages"] for k, row in keys.items()} == {KEY: 3, "lot_number": 1}
    assert client.get("/api/field-grid/q1").json()["cells"] == []
    assert keys[KEY]["label"] == "接種年月日"
    grid = client.get(f"/api/field-grid/{KEY}").json()
    cells = {cell["page_id"]: cell for cell in grid["cells"]}
    assert list(cells) == [unsure, future, mine]
    assert (cells[unsure]["value"], cells[unsure]["confidence"], cells[unsure]["problem"]) \
        == ("2025-05-20", 0.55, "")
    assert cells[future]["problem"] == "未来の日付です"
    assert all(c["doubtful"] and not c["checked"] for c in cells.values())
    crop = client.get(cells[unsure]["crop_url"])
    assert crop.status_code == 200 and crop.headers["content-type"] == "image/jpeg"
    assert [c["page_id"] for c in client.get("/api/field-grid/lot_number").json()["cells"]] \
        == [lot_only]
    # each page listed shows a person's values: its read is audited, as the review screen's
    assert ("page.read", _username(me)) in [(a, actor) for a, actor, _ in _actions(unsure)]


def _username(user_id: int) -> str:
    from models import User

    with session_scope() as session:
        return session.get_one(User, user_id).username


def test_a_value_confirmed_in_the_grid_is_a_reviewers_and_no_longer_doubtful() -> None:
    me, client = _client(Role.REVIEWER)
    kept = _page("2025-05-20", 0.55)
    corrected = _page("2099-12-31", 0.97)
    answer = client.post(f"/api/field-grid/{KEY}/pages/{kept}", json={"value": "2025-05-20"})
    assert answer.status_code == 200, answer.text
    cell = answer.json()
    assert (cell["value"], cell["source"], cell["checked"], cell["doubtful"]) == (
        "2025-05-20", "reviewer", True, False)
    # the page goes back to the queue for its 確定 on the review screen, not into the ledger
    assert cell["page_state"] == "needs_review"
    assert "no doubtful field holds it back" in cell["reason"]
    page = client.get(f"/api/pages/{kept}").json()
    # the review screen still shows the doubted answer, for the later look
    assert page["doubtful"] == ["q1"] and page["lease_until"] is None
    assert next(f for f in page["fields"] if f["key"] == KEY)["source"] == "reviewer"

    fixed = client.post(f"/api/field-grid/{KEY}/pages/{corrected}",
                        json={"value": " 2025-04-30 "}).json()
    assert (fixed["value"], fixed["doubtful"], fixed["problem"]) == ("2025-04-30", False, "")
    assert [c["page_id"] for c in client.get(f"/api/field-grid/{KEY}").json()["cells"]] == []
    assert client.get("/api/field-grid").json() == []
    with session_scope() as session:
        # confirmed as read is no change for the second check; a corrected date is one
        assert changed_identifiers(session.get_one(Page, kept)) == []
        assert changed_identifiers(session.get_one(Page, corrected)) == [KEY]
        row = session.scalars(select(FieldValue).where(
            FieldValue.page_id == kept, FieldValue.source == FieldSource.REVIEWER)).one()
        assert (row.key, row.created_by_id) == (KEY, me)
    actions = _actions(corrected)
    assert [a for a, _, _ in actions] == ["page.fields.correct", "page.field_grid.check"]
    assert actions[1][2] == {"key": KEY, "changed": True, "doubtful_left": 0}
    assert "2025-04-30" not in str(actions)  # the audit names fields, never their values


def test_a_value_that_breaks_a_rule_stays_doubtful_and_keeps_the_reviewers_lease() -> None:
    me, client = _client(Role.REVIEWER)
    mine = _page("2025-05-20", 0.40, state=PageState.IN_REVIEW, lease_user=me)
    cell = client.post(f"/api/field-grid/{KEY}/pages/{mine}", json={"value": "2099-01-01"})
    assert cell.status_code == 200
    assert (cell.json()["doubtful"], cell.json()["problem"]) == (True, "未来の日付です")
    # the reviewer had it open on the review screen: it stays theirs, still in review
    assert cell.json()["page_state"] == "in_review"
    again = client.post(f"/api/field-grid/{KEY}/pages/{mine}", json={"value": "2025-05-19"})
    assert (again.json()["doubtful"], again.json()["value"]) == (False, "2025-05-19")


def test_a_page_ready_for_its_confirmation_goes_back_ready() -> None:
    """A page the reader found nothing blocking on waits as `ready`; a questionnaire answer
    checked in the grid does not change that."""
    _, client = _client(Role.REVIEWER)
    ready = _page("2025-05-20", 0.99, lot_confidence=0.5, state=PageState.READY)
    cell = client.post(f"/api/field-grid/lot_number/pages/{ready}", json={"value": "GRID01"})
    assert cell.status_code == 200, cell.text
    assert (cell.json()["page_state"], cell.json()["doubtful"]) == ("ready", False)


def test_what_the_grid_refuses() -> None:
    other, _ = _client(Role.REVIEWER)
    _, client = _client(Role.REVIEWER)
    held = _page("2025-05-21", 0.30, state=PageState.IN_REVIEW, lease_user=other)
    sure = _page("2025-05-23", 0.99, lot_confidence=0.5)
    refused = client.post(f"/api/field-grid/{KEY}/pages/{held}", json={"value": "2025-05-21"})
    assert refused.status_code == 409 and "another reviewer" in refused.json()["detail"]
    assert client.post(f"/api/field-grid/{KEY}/pages/{sure}",
                       json={"value": "2025-05-23"}).status_code == 409
    assert client.post(f"/api/field-grid/q9/pages/{sure}", json={"value": "x"}).status_code == 404
    assert client.post(f"/api/field-grid/{KEY}/pages/999999",
                       json={"value": "x"}).status_code == 404
    assert client.post(f"/api/field-grid/{KEY}/pages/{sure}",
                       json={"value": "x" * 300}).status_code == 422
    with session_scope() as session:
        for page_id in (held, sure):
            page = session.get_one(Page, page_id)
            assert all(f.source == FieldSource.OCR for f in page.fields)
        assert session.get_one(Page, sure).state == PageState.NEEDS_REVIEW


@pytest.mark.parametrize("role", [Role.SCANNER, Role.CLINIC, Role.PEER])
def test_a_role_that_does_not_review_is_refused(role: Role) -> None:
    page_id = _page("2025-05-20", 0.55)
    _, client = _client(role)
    assert client.get("/api/field-grid").status_code == 403
    assert client.get(f"/api/field-grid/{KEY}").status_code == 403
    answer = client.post(f"/api/field-grid/{KEY}/pages/{page_id}", json={"value": "2025-05-20"})
    assert answer.status_code == 403
    with session_scope() as session:
        page = session.get_one(Page, page_id)
        assert page.state == PageState.NEEDS_REVIEW
        assert all(f.source == FieldSource.OCR for f in page.fields)
    assert _actions(page_id) == []


def test_the_grid_screen_shows_the_cells_and_the_queue_links_to_it() -> None:
    from models import User
    from yoshin.app import create_app

    page_id = _page("2025-05-20", 0.55)
    screens: dict[Role, TestClient] = {}
    for role in (Role.REVIEWER, Role.SCANNER):
        user_id, _ = make_user(role)
        with session_scope() as session:
            user = session.get_one(User, user_id)
            user.set_password("grid screen test")
            name = user.username
        client = TestClient(create_app(), follow_redirects=False,
                            headers={"Origin": "http://testserver"})
        assert client.post("/api/session", json={"username": name,
                                                 "password": "grid screen test"}).status_code == 200
        screens[role] = client
    reviewer = screens[Role.REVIEWER]
    assert 'href="/grid"' in reviewer.get("/review").text
    keys = reviewer.get("/grid")
    assert keys.status_code == 200 and f'href="/grid?field={KEY}"' in keys.text
    grid = reviewer.get(f"/grid?field={KEY}").text
    assert f'id="v-{page_id}"' in grid and 'value="2025-05-20"' in grid
    assert f'src="/api/pages/{page_id}/fields/{KEY}/image"' in grid
    forbidden = screens[Role.SCANNER].get(f"/grid?field={KEY}")
    assert forbidden.status_code == 403 and "この画面を使う権限がありません" in forbidden.text

