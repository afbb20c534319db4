"""The review rules called without HTTP (review_ui.service): the API and the screens share
them, so what they keep of authors, refuse and audit is tested once, here, at the source."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import AuditEvent, FieldSource, Page, PageState, Role, User
from models.db import session_scope
from review_ui import service
from tests.inprocess import make_user
from tests.integration.test_rematch_second_check import _page


@pytest.fixture(autouse=True)
def _database(inprocess_db: object) -> None:
    """The in-process database, migrated."""


def _actions(page_id: int) -> list[str]:
    with session_scope() as session:
        return list(session.scalars(select(AuditEvent.action)
                                    .where(AuditEvent.subject == f"page:{page_id}")
                                    .order_by(AuditEvent.id)))


def test_a_correction_of_a_field_the_form_lacks_changes_nothing() -> None:
    page_id = _page(None, "試験 無効")
    reviewer_id, _ = make_user(Role.REVIEWER)
    with session_scope() as session:
        page, user = session.get_one(Page, page_id), session.get_one(User, reviewer_id)
        with pytest.raises(service.UnknownFields, match="no field shoe_size"):
            service.correct(session, page, user=user, values={"name": "別人", "shoe_size": "9"})
        assert [f.source for f in page.fields].count(FieldSource.REVIEWER) == 0
    assert _actions(page_id) == []


def test_a_value_saved_again_unchanged_stays_its_first_authors() -> None:
    page_id = _page(None, "試験 作者")
    first_id, _ = make_user(Role.REVIEWER)
    second_id, _ = make_user(Role.REVIEWER)
    for author in (first_id, second_id):
        with session_scope() as session:
            page, user = session.get_one(Page, page_id), session.get_one(User, author)
            service.correct(session, page, user=user, values={"lot_number": " FF5358 "})
    with session_scope() as session:
        page = session.get_one(Page, page_id)
        mine = [f for f in page.fields if f.source == FieldSource.REVIEWER]
        assert [(f.key, f.value, f.created_by_id) for f in mine] == [
            ("lot_number", "FF5358", first_id)]
    assert _actions(page_id) == ["page.fields.correct", "page.fields.correct"]


def test_the_reviewer_who_confirmed_cannot_send_the_page_back_and_the_try_is_audited(
) -> None:
    page_id = _page(None, "試験 二次")
    supervisor_id, _ = make_user(Role.SUPERVISOR)
    with session_scope() as session:
        page, user = session.get_one(Page, page_id), session.get_one(User, supervisor_id)
        page.move_to(PageState.IN_REVIEW)
        page.move_to(PageState.SECOND_CHECK, "test")
        page.decided_by_id = supervisor_id
    with session_scope() as session:
        page, user = session.get_one(Page, page_id), session.get_one(User, supervisor_id)
        with pytest.raises(service.OwnWork, match="confirmed"):
            service.send_back(session, page, user=user, reason="違う")
        assert page.state == PageState.SECOND_CHECK
    assert _actions(page_id) == ["page.second_check.refused"]


def test_a_second_check_of_a_page_not_waiting_for_one_is_refused() -> None:
    page_id = _page(None, "試験 待ち無し")
    supervisor_id, _ = make_user(Role.SUPERVISOR)
    with session_scope() as session:
        page, user = session.get_one(Page, page_id), session.get_one(User, supervisor_id)
        with pytest.raises(service.NotAwaitingSecondCheck, match="needs_review"):
            service.approve(session, page, user=user)
    assert _actions(page_id) == []
