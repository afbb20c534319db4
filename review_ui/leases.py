"""One reviewer per page: opening a page takes a lease that expires, so two reviewers never
work on the same page and a page left open in a closed browser comes back to the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from models import Page, PageState, User
from models.base import utcnow
from models.page_state import AWAITING_REVIEW
from models.settings import get_settings


class LeaseRefused(Exception):
    pass


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def held_by(page: Page, user: User) -> bool:
    lease = _aware(page.lease_until)
    return (page.state == PageState.IN_REVIEW and page.lease_user_id == user.id
            and lease is not None and lease > utcnow())


def _lease(page: Page, user: User) -> Page:
    if page.state != PageState.IN_REVIEW:
        page.move_to(PageState.IN_REVIEW)
    page.lease_user_id = user.id
    page.lease_until = utcnow() + timedelta(seconds=get_settings().review_lease_seconds)
    return page


def _expired_or_waiting():  # noqa: ANN202 - a SQL expression
    return or_(
        Page.state.in_(AWAITING_REVIEW),
        and_(Page.state == PageState.IN_REVIEW, Page.lease_until < utcnow()),
    )


def open_page(session: Session, page: Page, user: User) -> Page:
    if held_by(page, user):
        return _lease(page, user)
    lease = _aware(page.lease_until)
    if page.state == PageState.IN_REVIEW and lease and lease > utcnow():
        raise LeaseRefused(f"page {page.id} is being reviewed by another reviewer")
    if page.state not in AWAITING_REVIEW and page.state != PageState.IN_REVIEW:
        raise LeaseRefused(f"page {page.id} is {page.state} and not open for review")
    return _lease(page, user)


def next_page(session: Session, user: User) -> Page | None:
    """The reviewer's own open page if any, else the oldest page waiting for a person."""
    mine = session.scalar(
        select(Page).where(Page.state == PageState.IN_REVIEW, Page.lease_user_id == user.id,
                           Page.lease_until > utcnow()).order_by(Page.id).limit(1)
    )
    if mine is not None:
        return _lease(mine, user)
    waiting = session.scalar(
        select(Page).where(_expired_or_waiting()).order_by(Page.id).limit(1)
        .with_for_update(skip_locked=True)
    )
    return _lease(waiting, user) if waiting is not None else None


def release(page: Page) -> None:
    page.lease_user_id = None
    page.lease_until = None
