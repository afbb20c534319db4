"""The review API: the next page for a person, corrections, the resident, confirm or reject.

Routes translate HTTP only: the rules are `review_ui.service`'s. Changes need the page's
lease (`LeasedPage`, see `review_ui.leases`); a page is loaded after the permission check,
so a caller without the right learns nothing of which pages exist.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from sqlalchemy.orm import Session

from accounts.access import Action
from accounts.deps import DbSession, KeptRefusal, require
from accounts.ids import RowId
from ledger.records.commit import CommitRefused
from models import Page, User
from models.settings import get_settings
from review_ui import repository, service
from review_ui.images import ImageMissing, field_jpeg, page_jpeg
from review_ui.leases import LeaseRefused
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


def _page(page_id: RowId, db: DbSession) -> Page:
    page = db.get(Page, page_id, with_for_update=True)
    if page is None:
        raise HTTPException(404, f"no page {page_id}")
    return page


PageDep = Annotated[Page, Depends(_page)]
"""The path's page, or 404; declared after the caller's permission parameter."""


def _leased(user: Reviewer, page: PageDep, db: DbSession) -> Page:
    try:
        return service.take(db, page, user=user)
    except LeaseRefused as refused:
        raise HTTPException(409, str(refused)) from refused


LeasedPage = Annotated[Page, Depends(_leased)]
"""The path's page leased to the reviewer (404, or 409 while another reviewer holds it)."""


def _out(page: Page) -> PageOut:
    return page_out(page, get_settings().review_confidence)


def _shown(db: Session, page: Page, user: User) -> PageOut:
    return _out(service.shown(db, page, user=user))


def _confirmation(decision: service.Decision) -> Confirmation:
    page = decision.page
    return Confirmation(page_id=page.id, state=page.state, record_id=decision.record_id,
                        resident_id=decision.resident_id, changed=decision.changed)


@router.get("/review/next", response_model=PageOut,
            responses={204: {"description": "nothing waits for review"}})
def review_next(db: DbSession, user: Reviewer) -> PageOut | Response:
    page = service.take_next(db, user=user)
    return Response(status_code=204) if page is None else _out(page)


@router.post("/pages/{page_id}/open")
def open_for_review(db: DbSession, user: Reviewer, page: LeasedPage) -> PageOut:
    return _out(service.shown(db, page, user=user, action="page.open"))


@router.get("/pages/{page_id}")
def get_page(db: DbSession, user: PageViewer, page: PageDep) -> PageOut:
    return _shown(db, page, user)


def _jpeg_answer(data: bytes) -> Response:
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


@router.get("/pages/{page_id}/image", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def page_image(db: DbSession, user: PageViewer, page: PageDep,
               width: Annotated[int | None, Query(ge=40, le=4000)] = None) -> Response:
    """The registered page (or the scan, before it is read); `width` for a thumbnail."""
    service.image_read(db, page, user=user)
    try:
        return _jpeg_answer(page_jpeg(page, width))
    except ImageMissing as missing:
        raise HTTPException(404, str(missing)) from missing


@router.get("/pages/{page_id}/fields/{key}/image", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def field_image(key: str, db: DbSession, user: PageViewer, page: PageDep) -> Response:
    """The crop of one field: the evidence beside its value on the review screen."""
    field = page.current_fields().get(key)
    if field is None or not field.box:
        raise HTTPException(404, f"page {page.id} has no field {key} with a box")
    service.image_read(db, page, user=user, key=key)
    try:
        return _jpeg_answer(field_jpeg(page, field.box))
    except ImageMissing as missing:
        raise HTTPException(404, str(missing)) from missing


@router.patch("/pages/{page_id}/fields")
def correct_fields(body: FieldCorrections, db: DbSession, user: Reviewer, page: LeasedPage
                   ) -> PageOut:
    try:
        service.correct(db, page, user=user, values=body.values)
    except service.UnknownFields as unknown:
        raise HTTPException(422, str(unknown)) from unknown
    return _shown(db, page, user)


@router.get("/pages/{page_id}/candidates")
def resident_candidates(db: DbSession, user: Reviewer, page: PageDep) -> list[CandidateOut]:
    return [candidate_out(c) for c in service.candidates(db, page, user=user)]


@router.put("/pages/{page_id}/resident")
def match_resident(body: ResidentChoice, db: DbSession, user: Reviewer, page: LeasedPage
                   ) -> PageOut:
    try:
        service.match(db, page, user=user, resident_id=body.resident_id)
    except service.NoSuchResident as missing:
        raise HTTPException(422, str(missing)) from missing
    return _shown(db, page, user)


@router.post("/pages/{page_id}/confirm")
def confirm_page(db: DbSession, user: Reviewer, page: LeasedPage) -> Confirmation:
    """Commit the page to the ledger, or hand it to a supervisor for a second check."""
    try:
        return _confirmation(service.confirm(db, page, user=user))
    except CommitRefused as refused:
        raise HTTPException(409, str(refused)) from refused


@router.get("/second-check")
def second_check_queue(db: DbSession, user: Supervisor) -> list[PageOut]:
    """Pages waiting for a supervisor, oldest first."""
    pages = service.read_all(db, repository.awaiting_second_check(db), user=user)
    return [_out(page) for page in pages]


def _refused(error: Exception) -> HTTPException:
    """A second check refused: one by a person who took part keeps its audit entry."""
    if isinstance(error, service.OwnWork):
        return KeptRefusal(409, str(error))
    return HTTPException(409, str(error))


@router.post("/pages/{page_id}/approve")
def approve_page(db: DbSession, user: Supervisor, page: PageDep) -> Confirmation:
    """The second person agrees with the reviewer: the page goes to the ledger."""
    try:
        return _confirmation(service.approve(db, page, user=user))
    except (service.NotAwaitingSecondCheck, service.OwnWork, CommitRefused) as refused:
        raise _refused(refused) from refused


@router.post("/pages/{page_id}/send-back")
def send_back(body: Rejection, db: DbSession, user: Supervisor, page: PageDep) -> PageOut:
    """The second person disagrees: the page goes back to the review queue with the reason."""
    try:
        service.send_back(db, page, user=user, reason=body.reason)
    except (service.NotAwaitingSecondCheck, service.OwnWork) as refused:
        raise _refused(refused) from refused
    return _shown(db, page, user)


@router.post("/pages/{page_id}/reject")
def reject_page(body: Rejection, db: DbSession, user: Reviewer, page: LeasedPage) -> PageOut:
    service.reject(db, page, user=user, reason=body.reason)
    return _shown(db, page, user)


@router.post("/pages/{page_id}/release")
def put_aside(db: DbSession, user: Reviewer, page: LeasedPage) -> PageOut:
    """Give the page back to the queue without deciding it."""
    service.put_aside(page, user=user)
    return _shown(db, page, user)
