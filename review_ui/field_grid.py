"""The field grid (項目別確認): one field across many pages waiting for a person.

Checking twenty dates in a row, each crop beside its read value, is faster than opening
twenty pages; so for one field key the grid lists the waiting pages on which that field is
doubtful and holds it back (`ledger.checks.doubt.holding_keys`, the one rule the reader and
the review screen share) and lets a reviewer confirm or correct each value where it stands.
A doubted questionnaire answer (the form's `after_commit`), or the screening doctor's name
beside a vaccinator's read surely, is the later look's (後で確認), and checking it here would
free no page.

A value checked here goes through the review screen's own correction
(`review_ui.service.correct`): it is kept as the reviewer's value beside the reader's, so it
is no longer doubtful for want of confidence, its problems are checked again with the page's
other values, and it is audited. A value confirmed unchanged is kept as the reviewer's all
the same (where the review screen lets the page's 確定 speak for it), because no page is
confirmed here.

What becomes of a page whose last doubtful field the grid clears: it goes back to the queue
and waits for a reviewer to press 確定 on the review screen. The grid never calls the
page's confirmation (`review_ui.service.confirm`): that is a person's word for the whole
page (its resident match, every value, the second check it may need) and marks that person
as the page's decider; the grid's reviewer has seen one field of it. The page's reason says
that no doubtful field holds it back.

Like the rest of the review rules, nothing here commits: the request's session does.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from contextlib import closing
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, selectinload

from ledger.checks.doubt import holding_keys
from models import FieldSource, FieldValue, Page, PageState, User, audit
from models.base import utcnow
from models.page_state import AWAITING_REVIEW
from models.settings import get_settings
from review_ui import service
from review_ui.labels import field_labels
from review_ui.leases import held_by, release

GRID_LIMIT = 200
"""Pages shown at once: a screenful of work, and a bound on what one request reads (and
audits). What is left shows up when the reviewer opens the grid again."""


class NotDoubtful(Exception):
    """The field was checked by another person since the grid was shown, or never doubtful:
    the grid does not overwrite someone else's word."""


@dataclass(frozen=True)
class Cell:
    """One page's value of the grid's field, as the reader (or a person) left it."""

    page: Page
    field: FieldValue
    label: str
    doubtful: bool

    @property
    def checked(self) -> bool:
        """A person's value: the reviewer's row is the one that counts."""
        return self.field.source == FieldSource.REVIEWER


@dataclass(frozen=True)
class KeyCount:
    key: str
    label: str
    pages: int


def _open_to(user: User) -> ColumnElement[bool]:
    """Pages the user may take up now: waiting for a person, or in review under a lease that
    lapsed or is the user's own (`review_ui.leases`); never one another reviewer holds."""
    return or_(Page.state.in_(AWAITING_REVIEW),
               and_(Page.state == PageState.IN_REVIEW,
                    or_(Page.lease_until < utcnow(), Page.lease_user_id == user.id)))


def _waiting(db: Session, user: User, key: str | None = None
             ) -> Generator[Page, None, None]:
    """The pages open to the user, oldest first, with their values loaded in chunks."""
    query = select(Page).where(_open_to(user))
    if key is not None:
        query = query.where(exists().where(FieldValue.page_id == Page.id, FieldValue.key == key))
    query = query.options(selectinload(Page.fields)).order_by(Page.id)
    yield from db.scalars(query.execution_options(yield_per=200))


def _doubtful(page: Page) -> list[str]:
    """The page's doubtful fields that hold it back (not its after-commit answers)."""
    labels = field_labels(get_settings().forms_dir, page.form_id)
    later = [key for key, label in labels.items() if label.after_commit]
    return holding_keys(page.current_fields(), get_settings().review_confidence, later)


def _label(form_id: str | None, key: str) -> str:
    labels = field_labels(get_settings().forms_dir, form_id)
    return labels[key].label if key in labels else key


def summary(db: Session, *, user: User) -> list[KeyCount]:
    """Each field key with the number of waiting pages on which it is doubtful, most first,
    so the screen can offer the fields worth a grid. Only counts are shown, no person's
    value, so this is not audited as a read."""
    counts: dict[str, int] = {}
    labels: dict[str, str] = {}
    for page in _waiting(db, user):
        for key in _doubtful(page):
            counts[key] = counts.get(key, 0) + 1
            labels.setdefault(key, _label(page.form_id, key))
    return [KeyCount(key, labels[key], count)
            for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def cells(db: Session, key: str, *, user: User, limit: int = GRID_LIMIT) -> list[Cell]:
    """The waiting pages on which `key` is doubtful, oldest first, at most `limit`. Each page
    listed shows a person's value: its read is audited as the review screen's are."""
    found: list[Cell] = []
    with closing(_waiting(db, user, key)) as pages:  # closed before the audit writes
        for page in pages:
            if len(found) == limit:
                break
            if key in _doubtful(page):
                found.append(_cell(page, key))
    for cell in found:
        service.shown(db, cell.page, user=user)
    return found


def _cell(page: Page, key: str) -> Cell:
    return Cell(page=page, field=page.current_fields()[key], label=_label(page.form_id, key),
                doubtful=key in _doubtful(page))


def label_of(db: Session, key: str) -> str:
    """The field's name as printed on the forms that have it (the key for none)."""
    form_id = db.scalar(select(Page.form_id).join(FieldValue, FieldValue.page_id == Page.id)
                        .where(FieldValue.key == key, Page.form_id.is_not(None)).limit(1))
    return _label(form_id, key)


def check(db: Session, page: Page, *, user: User, key: str, value: str) -> Cell:
    """Keep the reviewer's value of one field of one page: the value as read (confirmed) or
    as typed over (corrected), through the review screen's correction, and audited.

    The page is taken under the reviewer's lease for the change, as the review API's changes
    are (`LeaseRefused` while another reviewer holds it), and given back to the queue
    afterwards unless the reviewer had it open already. `NotDoubtful` when another person
    checked the field since it was listed; the reviewer's own value may be checked again."""
    current = page.current_fields().get(key)
    if current is None:
        raise service.UnknownFields(f"page {page.id} has no field {key}")
    mine = current.source == FieldSource.REVIEWER and current.created_by_id == user.id
    if key not in _doubtful(page) and not mine:
        raise NotDoubtful(f"{key} of page {page.id} is not waiting for a person")
    had_it = held_by(page, user)
    before = page.state
    service.take(db, page, user=user)
    changed = current.value != value.strip()
    service.correct(db, page, user=user, values={key: value})
    left = _doubtful(page)
    audit.record(db, actor=user.username, action="page.field_grid.check",
                 resident_id=page.resident_id, subject=f"page:{page.id}",
                 detail={"key": key, "changed": changed, "doubtful_left": len(left)})
    if not had_it:
        _give_back(page, before, _reason(page, user, key, left))
    return _cell(page, key)


def _reason(page: Page, user: User, key: str, left: Sequence[str]) -> str:
    """What the queue and the review screen say of the page after the grid."""
    parts = [f"{key} checked in the field grid by {user.username}",
             f"{len(left)} doubtful fields left" if left
             else "no doubtful field holds it back: waiting for a reviewer to confirm the page"]
    if page.resident_id is None:
        parts.append("no unique resident match")
    return "; ".join(parts)


def _give_back(page: Page, before: str, reason: str) -> None:
    """Back to the queue in the state it waited in (a lapsed lease's page: needs review)."""
    waited = PageState(before)
    page.move_to(waited if waited in AWAITING_REVIEW else PageState.NEEDS_REVIEW, reason)
    release(page)
