"""The later look at a committed page's doubted answers (its follow-up).

A form's questionnaire answers do not hold a record back (`FormSpec.after_commit`): a page
whose only doubts were there went into the ledger, its doubted answers listed on the page.
A person then looks at them beside the image, corrects what was misread, and closes the
follow-up; the answers are kept for the record of the 予診, the ledger record is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import FieldValue, Page, PageState, User, audit
from models.base import utcnow
from review_ui.service import correct


class FollowUpRefused(Exception):
    """Nothing to close here, or a value of another field than the flagged ones."""


def waiting(db: Session, limit: int = 200) -> Sequence[Page]:
    """Committed pages with doubted answers nobody has looked at, the oldest first."""
    return db.scalars(select(Page).where(Page.state == PageState.CONFIRMED,
                                         Page.follow_up.is_not(None),
                                         Page.followed_up_at.is_(None))
                      .order_by(Page.id).limit(limit)).all()


def flagged(page: Page) -> list[FieldValue]:
    current = page.current_fields()
    return [current[key] for key in page.follow_up or () if key in current]


def close(db: Session, page: Page, *, user: User, corrections: Mapping[str, str]) -> None:
    """Keep the person's corrections of flagged answers and close the follow-up, audited."""
    if page.state != PageState.CONFIRMED or not page.follow_up:
        raise FollowUpRefused(f"page {page.id} has no answers waiting for a later look")
    if page.followed_up_at is not None:
        raise FollowUpRefused(f"page {page.id}'s answers were looked at already")
    others = sorted(set(corrections) - set(page.follow_up))
    if others:
        raise FollowUpRefused(f"only the flagged answers are corrected here, not {others}")
    if corrections:
        correct(db, page, user=user, values=corrections)
    page.followed_up_by_id, page.followed_up_at = user.id, utcnow()
    audit.record(db, actor=user.username, action="page.follow_up", resident_id=page.resident_id,
                 subject=f"page:{page.id}", detail={"corrected": sorted(corrections),
                                                    "flagged": list(page.follow_up)})
