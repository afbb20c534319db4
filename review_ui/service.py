"""The review rules: what a reviewer's and a supervisor's decisions do to a page.

The API (`review_ui.api`) and the screens (`review_ui.screens`) both call these, so a rule
(who may make the second check, what a correction keeps of its author, what is audited) is
written once. Nothing here commits: the request's one session does (`accounts.deps.get_db`).
Every function that shows a page or a resident writes its audit entry; a refusal is a typed
error the caller turns into its answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from accounts.access import Action, allowed
from ledger.checks.doubt import refresh_problems
from ledger.checks.second_check import changed_identifiers, match_by_hand, own_part
from ledger.records.commit import check_page, commit_page
from ledger.residents.matching import Candidate, find_candidates
from models import FieldSource, FieldValue, Page, PageState, Resident, User, audit
from models.base import utcnow
from models.settings import get_settings
from review_ui.leases import next_page, open_page, release


class UnknownFields(ValueError):
    """A correction names fields the page's form does not have."""


class NoSuchResident(ValueError):
    """A hand match names a resident the register does not hold."""


class NotAwaitingSecondCheck(Exception):
    """A second-check decision on a page that is not waiting for one."""


class OwnWork(Exception):
    """The second check asked of a person who took part in the page. The refusal is already
    audited when this is raised: the caller keeps that entry."""


@dataclass(frozen=True)
class Decision:
    """A confirmed page: its ledger record, or none yet while it waits for a second person
    because of the identifying values in `changed`."""

    page: Page
    record_id: int | None
    resident_id: int | None
    changed: list[str] = field(default_factory=list)


def _audit(db: Session, page: Page, user: User, action: str, **detail: object) -> None:
    audit.record(db, actor=user.username, action=action, resident_id=page.resident_id,
                 subject=f"page:{page.id}", detail=detail or None)


def shown(db: Session, page: Page, *, user: User, action: str = "page.read") -> Page:
    """The page, its showing audited (`page.open` when a reviewer takes it up)."""
    _audit(db, page, user, action)
    return page


def take_next(db: Session, *, user: User) -> Page | None:
    """The reviewer's own open page, else the oldest waiting one, leased and audited."""
    page = next_page(db, user)
    return shown(db, page, user=user, action="page.open") if page is not None else None


def take(db: Session, page: Page, *, user: User) -> Page:
    """Lease the page to the reviewer, or renew the lease (`LeaseRefused` while another
    reviewer holds it). Not audited: what the caller then shows of it is."""
    return open_page(db, page, user)


def image_read(db: Session, page: Page, *, user: User, key: str | None = None) -> None:
    """A page's image, or a field's crop of it, shows the person's data as much as values."""
    audit.record(db, actor=user.username, action="page.image.read",
                 resident_id=page.resident_id,
                 subject=f"page:{page.id}" + (f" field:{key}" if key else ""))


def correct(db: Session, page: Page, *, user: User, values: Mapping[str, str]) -> None:
    """Keep the reviewer's values beside the reader's. A value saved again unchanged stays its
    first author's, so saving twice never makes the reviewer the author of another's word."""
    known = page.current_fields()
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UnknownFields(f"this form has no field {', '.join(unknown)}")
    mine = {f.key: f for f in page.fields if f.source == FieldSource.REVIEWER}
    for key, value in values.items():
        row = mine.get(key)
        if row is None:
            row = FieldValue(key=key, position=known[key].position, source=FieldSource.REVIEWER,
                             box=known[key].box)
            page.fields.append(row)
        elif row.value == value.strip():
            continue
        row.value = value.strip()
        row.created_by_id = user.id
    refresh_problems(db, page.current_fields(), resident_id=page.resident_id, page_id=page.id)
    _audit(db, page, user, "page.fields.correct", fields=sorted(values))


def candidates(db: Session, page: Page, *, user: User) -> list[Candidate]:
    """Residents the page's values may name; each one shown is a person read."""
    found = find_candidates(db, {key: f.value for key, f in page.current_fields().items()})
    for candidate in found:
        audit.record(db, actor=user.username, action="resident.read",
                     resident_id=candidate.resident.id, subject=f"candidates for page:{page.id}")
    return found


def match(db: Session, page: Page, *, user: User, resident_id: int) -> None:
    """Match the page to a resident by hand: a change of who was vaccinated, so (unless it is
    the reader's own match) it needs a second person, like a corrected name."""
    if db.get(Resident, resident_id) is None:
        raise NoSuchResident(f"no resident {resident_id}")
    previous = page.resident_id
    if match_by_hand(page, resident_id, user.id):
        refresh_problems(db, page.current_fields(), resident_id=page.resident_id,
                         page_id=page.id)
        audit.record(db, actor=user.username, action="page.resident.match",
                     resident_id=resident_id, subject=f"page:{page.id}",
                     detail={"previous_resident_id": previous})


def _to_ledger(db: Session, page: Page, user: User) -> Decision:
    record = commit_page(db, page, actor=user.username, user_id=user.id,
                         may_record_mistakes=allowed(user.role, Action.RECORD_MISTAKE))
    return Decision(page=page, record_id=record.id, resident_id=record.resident_id)


def confirm(db: Session, page: Page, *, user: User) -> Decision:
    """Commit the page to the ledger, or, when reviewers changed identifying values (or the
    resident the page is matched to) and the second check is on, hand it to a supervisor.
    Either way the ledger's checks run now (`CommitRefused`), not first at the approval."""
    changed = changed_identifiers(page) if get_settings().second_check else []
    if not changed:
        return _to_ledger(db, page, user)
    check_page(db, page, may_record_mistakes=True)  # the supervisor approving decides
    page.move_to(PageState.SECOND_CHECK, f"second check: {', '.join(changed)} changed; "
                                         f"confirmed by {user.username}")
    page.decided_by_id, page.decided_at = user.id, utcnow()
    release(page)
    _audit(db, page, user, "page.second_check.request", changed=changed)
    return Decision(page=page, record_id=None, resident_id=page.resident_id, changed=changed)


def _second_checkable(db: Session, page: Page, user: User, attempted: str) -> Page:
    """The page, if it waits for a second check this person may make: not one who confirmed
    it, matched it by hand or corrected any of its values. A refusal is audited."""
    if page.state != PageState.SECOND_CHECK:
        raise NotAwaitingSecondCheck(f"page {page.id} is {page.state}, not waiting for a "
                                     "second check")
    part = own_part(page, user.id)
    if part:
        _audit(db, page, user, "page.second_check.refused", attempted=attempted,
               confirmed=part.confirmed, matched=part.matched, corrected=list(part.corrected))
        raise OwnWork(f"the second check must be made by another person than the one who "
                      f"{part.describe()}")
    return page


def approve(db: Session, page: Page, *, user: User) -> Decision:
    """The second person agrees with the reviewer: the page goes to the ledger."""
    _second_checkable(db, page, user, "approve")
    _audit(db, page, user, "page.second_check.approve")
    return _to_ledger(db, page, user)


def send_back(db: Session, page: Page, *, user: User, reason: str) -> None:
    """The second person disagrees: the page goes back to the review queue with the reason."""
    _second_checkable(db, page, user, "send_back")
    page.move_to(PageState.NEEDS_REVIEW, f"sent back by {user.username}: {reason}")
    _audit(db, page, user, "page.second_check.send_back")


def reject(db: Session, page: Page, *, user: User, reason: str) -> None:
    page.move_to(PageState.REJECTED, reason)
    page.decided_by_id, page.decided_at = user.id, utcnow()
    release(page)
    _audit(db, page, user, "page.reject")


def put_aside(page: Page, *, user: User) -> None:
    """Give the page back to the queue without deciding it."""
    page.move_to(PageState.NEEDS_REVIEW, f"put aside by {user.username}")
    release(page)


def read_all(db: Session, pages: Sequence[Page], *, user: User) -> Sequence[Page]:
    for page in pages:
        _audit(db, page, user, "page.read")
    return pages
