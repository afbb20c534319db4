"""The review API: the next page for a person, corrections, the resident, confirm or reject.

Changes need the page's lease (see `review_ui.leases`); every answer that shows a page's
values or a resident is written to the audit log. Each change keeps its author (a correction's
row, the page's hand match), and none of them may make the page's second check.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.checks.doubt import refresh_problems
from ledger.checks.second_check import changed_identifiers, match_by_hand, own_part
from ledger.records.commit import CommitRefused, check_page, commit_page
from ledger.residents.matching import find_candidates
from models import FieldSource, FieldValue, Page, PageState, Resident, User, audit
from models.access import Action
from models.base import utcnow
from models.deps import DbSession, KeptRefusal, require
from models.ids import RowId
from models.settings import get_settings
from review_ui.images import ImageMissing, field_jpeg, page_jpeg
from review_ui.leases import LeaseRefused, next_page, open_page, release
from review_ui.schemas import (
    CandidateOut,
    Confirmation,
    FieldCorrections,
    PageOut,
    Rejection,
    ResidentChoice,
    candidate_out,
    page_out,
)

router = APIRouter(prefix="/api", tags=["review"])
Reviewer = Annotated[User, Depends(require(Action.REVIEW))]
PageViewer = Annotated[User, Depends(require(Action.PAGE_VIEW))]
Supervisor = Annotated[User, Depends(require(Action.SECOND_CHECK))]


def _page(db: Session, page_id: int) -> Page:
    page = db.get(Page, page_id, with_for_update=True)
    if page is None:
        raise HTTPException(404, f"no page {page_id}")
    return page


def _leased(db: Session, page_id: int, user: User) -> Page:
    page = _page(db, page_id)
    try:
        return open_page(db, page, user)
    except LeaseRefused as refused:
        raise HTTPException(409, str(refused)) from refused


def _show(db: Session, page: Page, user: User, action: str) -> PageOut:
    audit.record(db, actor=user.username, action=action, resident_id=page.resident_id,
                 subject=f"page:{page.id}")
    return page_out(page, get_settings().review_confidence)


@router.get("/review/next", response_model=PageOut,
            responses={204: {"description": "nothing waits for review"}})
def review_next(db: DbSession, user: Reviewer) -> PageOut | Response:
    page = next_page(db, user)
    if page is None:
        return Response(status_code=204)
    return _show(db, page, user, "page.open")


@router.post("/pages/{page_id}/open")
def open_for_review(page_id: RowId, db: DbSession, user: Reviewer) -> PageOut:
    return _show(db, _leased(db, page_id, user), user, "page.open")


@router.get("/pages/{page_id}")
def get_page(page_id: RowId, db: DbSession, user: PageViewer) -> PageOut:
    return _show(db, _page(db, page_id), user, "page.read")


def _jpeg_answer(data: bytes) -> Response:
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


@router.get("/pages/{page_id}/image", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def page_image(page_id: RowId, db: DbSession, user: PageViewer,
               width: Annotated[int | None, Query(ge=40, le=4000)] = None) -> Response:
    """The registered page (or the scan, before it is read); `width` for a thumbnail."""
    page = _page(db, page_id)
    audit.record(db, actor=user.username, action="page.image.read",
                 resident_id=page.resident_id, subject=f"page:{page.id}")
    try:
        return _jpeg_answer(page_jpeg(page, width))
    except ImageMissing as missing:
        raise HTTPException(404, str(missing)) from missing


@router.get("/pages/{page_id}/fields/{key}/image", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def field_image(page_id: RowId, key: str, db: DbSession, user: PageViewer) -> Response:
    """The crop of one field: the evidence beside its value on the review screen."""
    page = _page(db, page_id)
    field = page.current_fields().get(key)
    if field is None or not field.box:
        raise HTTPException(404, f"page {page_id} has no field {key} with a box")
    audit.record(db, actor=user.username, action="page.image.read",
                 resident_id=page.resident_id, subject=f"page:{page.id} field:{key}")
    try:
        return _jpeg_answer(field_jpeg(page, field.box))
    except ImageMissing as missing:
        raise HTTPException(404, str(missing)) from missing


@router.patch("/pages/{page_id}/fields")
def correct_fields(page_id: RowId, body: FieldCorrections, db: DbSession, user: Reviewer
                   ) -> PageOut:
    page = _leased(db, page_id, user)
    known = page.current_fields()
    unknown = sorted(set(body.values) - set(known))
    if unknown:
        raise HTTPException(422, f"this form has no field {', '.join(unknown)}")
    mine = {f.key: f for f in page.fields if f.source == FieldSource.REVIEWER}
    for key, value in body.values.items():
        row = mine.get(key)
        if row is None:
            row = FieldValue(key=key, position=known[key].position, source=FieldSource.REVIEWER,
                             box=known[key].box)
            page.fields.append(row)
        elif row.value == value.strip():
            continue  # saved again unchanged: the correction stays its author's
        row.value = value.strip()
        row.created_by_id = user.id
    refresh_problems(db, page.current_fields(), resident_id=page.resident_id, page_id=page.id)
    audit.record(db, actor=user.username, action="page.fields.correct",
                 resident_id=page.resident_id, subject=f"page:{page.id}",
                 detail={"fields": sorted(body.values)})
    return _show(db, page, user, "page.read")


@router.get("/pages/{page_id}/candidates")
def resident_candidates(page_id: RowId, db: DbSession, user: Reviewer) -> list[CandidateOut]:
    page = _page(db, page_id)
    values = {key: f.value for key, f in page.current_fields().items()}
    candidates = find_candidates(db, values)
    for candidate in candidates:
        audit.record(db, actor=user.username, action="resident.read",
                     resident_id=candidate.resident.id, subject=f"candidates for page:{page.id}")
    return [candidate_out(c) for c in candidates]


@router.put("/pages/{page_id}/resident")
def match_resident(page_id: RowId, body: ResidentChoice, db: DbSession, user: Reviewer
                   ) -> PageOut:
    """Match the page to a resident by hand: a change of who was vaccinated, so (unless it is
    the reader's own match) it needs a second person, like a corrected name."""
    page = _leased(db, page_id, user)
    if db.get(Resident, body.resident_id) is None:
        raise HTTPException(422, f"no resident {body.resident_id}")
    previous = page.resident_id
    if match_by_hand(page, body.resident_id, user.id):
        refresh_problems(db, page.current_fields(), resident_id=page.resident_id,
                         page_id=page.id)
        audit.record(db, actor=user.username, action="page.resident.match",
                     resident_id=body.resident_id, subject=f"page:{page.id}",
                     detail={"previous_resident_id": previous})
    return _show(db, page, user, "page.read")


def _commit(db: Session, page: Page, user: User) -> Confirmation:
    try:
        record = commit_page(db, page, actor=user.username, user_id=user.id)
    except CommitRefused as refused:
        raise HTTPException(409, str(refused)) from refused
    return Confirmation(page_id=page.id, state=page.state, record_id=record.id,
                        resident_id=record.resident_id)


@router.post("/pages/{page_id}/confirm")
def confirm_page(page_id: RowId, db: DbSession, user: Reviewer) -> Confirmation:
    """Commit the page to the ledger, or, when reviewers changed identifying values (or the
    resident the page is matched to) and the second check is on, hand it to a supervisor."""
    page = _leased(db, page_id, user)
    changed = changed_identifiers(page) if get_settings().second_check else []
    if not changed:
        return _commit(db, page, user)
    try:
        check_page(db, page)
    except CommitRefused as refused:
        raise HTTPException(409, str(refused)) from refused
    page.move_to(PageState.SECOND_CHECK, f"second check: {', '.join(changed)} changed; "
                                         f"confirmed by {user.username}")
    page.decided_by_id, page.decided_at = user.id, utcnow()
    release(page)
    audit.record(db, actor=user.username, action="page.second_check.request",
                 resident_id=page.resident_id, subject=f"page:{page.id}",
                 detail={"changed": changed})
    return Confirmation(page_id=page.id, state=page.state, record_id=None,
                        resident_id=page.resident_id, changed=changed)


def _awaiting_second_check(db: Session, page_id: int, user: User, action: str) -> Page:
    """The page, if it waits for a second check this person may make: not one who confirmed
    it, matched it by hand or corrected any of its values. A refusal is audited."""
    page = _page(db, page_id)
    if page.state != PageState.SECOND_CHECK:
        raise HTTPException(409, f"page {page_id} is {page.state}, not waiting for a second "
                                 "check")
    part = own_part(page, user.id)
    if part:
        audit.record(db, actor=user.username, action="page.second_check.refused",
                     resident_id=page.resident_id, subject=f"page:{page.id}",
                     detail={"attempted": action, "confirmed": part.confirmed,
                             "matched": part.matched, "corrected": list(part.corrected)})
        raise KeptRefusal(409, f"the second check must be made by another person than the "
                               f"one who {part.describe()}")
    return page


@router.get("/second-check")
def second_check_queue(db: DbSession, user: Supervisor) -> list[PageOut]:
    """Pages waiting for a supervisor, oldest first."""
    pages = db.scalars(select(Page).where(Page.state == PageState.SECOND_CHECK)
                       .order_by(Page.decided_at, Page.id)).all()
    threshold = get_settings().review_confidence
    for page in pages:
        audit.record(db, actor=user.username, action="page.read",
                     resident_id=page.resident_id, subject=f"page:{page.id}")
    return [page_out(page, threshold) for page in pages]


@router.post("/pages/{page_id}/approve")
def approve_page(page_id: RowId, db: DbSession, user: Supervisor) -> Confirmation:
    """The second person agrees with the reviewer: the page goes to the ledger."""
    page = _awaiting_second_check(db, page_id, user, "approve")
    audit.record(db, actor=user.username, action="page.second_check.approve",
                 resident_id=page.resident_id, subject=f"page:{page.id}")
    return _commit(db, page, user)


@router.post("/pages/{page_id}/send-back")
def send_back(page_id: RowId, body: Rejection, db: DbSession, user: Supervisor) -> PageOut:
    """The second person disagrees: the page goes back to the review queue with the reason."""
    page = _awaiting_second_check(db, page_id, user, "send_back")
    page.move_to(PageState.NEEDS_REVIEW, f"sent back by {user.username}: {body.reason}")
    audit.record(db, actor=user.username, action="page.second_check.send_back",
                 resident_id=page.resident_id, subject=f"page:{page.id}")
    return _show(db, page, user, "page.read")


@router.post("/pages/{page_id}/reject")
def reject_page(page_id: RowId, body: Rejection, db: DbSession, user: Reviewer) -> PageOut:
    page = _leased(db, page_id, user)
    page.move_to(PageState.REJECTED, body.reason)
    page.decided_by_id, page.decided_at = user.id, utcnow()
    release(page)
    audit.record(db, actor=user.username, action="page.reject", resident_id=page.resident_id,
                 subject=f"page:{page.id}")
    return _show(db, page, user, "page.read")


@router.post("/pages/{page_id}/release")
def put_aside(page_id: RowId, db: DbSession, user: Reviewer) -> PageOut:
    """Give the page back to the queue without deciding it."""
    page = _leased(db, page_id, user)
    page.move_to(PageState.NEEDS_REVIEW, f"put aside by {user.username}")
    release(page)
    return _show(db, page, user, "page.read")
