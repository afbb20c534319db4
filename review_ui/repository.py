"""The review queues' queries, for the API and the screens alike (the lease's own choice of
the next page is in `review_ui.leases`, beside the rule it serves)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Page, PageState
from models.page_state import AWAITING_REVIEW


def awaiting_second_check(db: Session) -> Sequence[Page]:
    """Pages waiting for a supervisor, the longest waiting first."""
    return db.scalars(select(Page).where(Page.state == PageState.SECOND_CHECK)
                      .order_by(Page.decided_at, Page.id)).all()


def count_awaiting_review(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Page)
                     .where(Page.state.in_(AWAITING_REVIEW))) or 0


def count_awaiting_second_check(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Page)
                     .where(Page.state == PageState.SECOND_CHECK)) or 0
