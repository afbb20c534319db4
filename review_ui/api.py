"""The review API: the next page for a person, corrections, the resident, confirm or reject.

Changes need the page's lease (see `review_ui.leases`); every answer that shows a page's
values or a resident is written to the audit log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from ledger.commit import CommitRefused, commit_page
from ledger.doubt import refresh_problems
from ledger.matching import find_candidates
from models import FieldSource, FieldValue, Page, PageState, Resident, User, audit
from models.access import Action
from models.base import utcnow
from models.deps import DbSession, require
from models.settings import get_settings
from models.storage import blob_path
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
    db.commit()
    return page_out(page, get_settings().review_confidence)


@router.get("/review/next", response_model=PageOut,
            responses={204: {"description": "nothing waits for review"}})
def review_next(db: DbSession, user: Reviewer) -> PageOut | Response:
    page = next_page(db, user)
    if page is None:
        db.commit()
        return Response(status_code=204)
    return _show(db, page, user, "page.open")


@router.post("/pages/{page_id}/open")
def open_for_review(page_id: int, db: DbSession, user: Reviewer) -> PageOut:
    return _show(db, _leased(db, page_id, user), user, "page.open")


@router.get("/pages/{page_id}")
def get_page(page_id: int, db: DbSession, user: PageViewer) -> PageOut:
    return _show(db, _page(db, page_id), user, "page.read")


@router.get("/pages/{page_id}/image", response_class=FileResponse)
def page_image(page_id: int, db: DbSession, user: PageViewer) -> FileResponse:
    page = _page(db, page_id)
    audit.record(db, actor=user.username, action="page.image.read",
                 resident_id=page.resident_id, subject=f"page:{page.id}")
    db.commit()
    return FileResponse(blob_path(page.image_sha256), media_type="image/png")


@router.patch("/pages/{page_id}/fields")
def correct_fields(page_id: int, body: FieldCorrections, db: DbSession, user: Reviewer
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
        row.value = value.strip()
        row.created_by_id = user.id
    refresh_problems(db, page.current_fields())
    audit.record(db, actor=user.username, action="page.fields.correct",
                 resident_id=page.resident_id, subject=f"page:{page.id}",
                 detail={"fields": sorted(body.values)})
    return _show(db, page, user, "page.read")


@router.get("/pages/{page_id}/candidates")
def resident_candidates(page_id: int, db: DbSession, user: Reviewer) -> list[CandidateOut]:
    page = _page(db, page_id)
    values = {key: f.value for key, f in page.current_fields().items()}
    candidates = find_candidates(db, values)
    for candidate in candidates:
        audit.record(db, actor=user.username, action="resident.read",
                     resident_id=candidate.resident.id, subject=f"candidates for page:{page.id}")
    db.commit()
    return [candidate_out(c) for c in candidates]


@router.put("/pages/{page_id}/resident")
def match_resident(page_id: int, body: ResidentChoice, db: DbSession, user: Reviewer
                   ) -> PageOut:
    page = _leased(db, page_id, user)
    if db.get(Resident, body.resident_id) is None:
        raise HTTPException(422, f"no resident {body.resident_id}")
    page.resident_id = body.resident_id
    audit.record(db, actor=user.username, action="page.resident.match",
                 resident_id=body.resident_id, subject=f"page:{page.id}")
    return _show(db, page, user, "page.read")


@router.post("/pages/{page_id}/confirm")
def confirm_page(page_id: int, db: DbSession, user: Reviewer) -> Confirmation:
    page = _leased(db, page_id, user)
    try:
        record = commit_page(db, page, actor=user.username, user_id=user.id)
    except CommitRefused as refused:
        raise HTTPException(409, str(refused)) from refused
    db.commit()
    return Confirmation(page_id=page.id, record_id=record.id, resident_id=record.resident_id)


@router.post("/pages/{page_id}/reject")
def reject_page(page_id: int, body: Rejection, db: DbSession, user: Reviewer) -> PageOut:
    page = _leased(db, page_id, user)
    page.move_to(PageState.REJECTED, body.reason)
    page.decided_by_id, page.decided_at = user.id, utcnow()
    release(page)
    audit.record(db, actor=user.username, action="page.reject", resident_id=page.resident_id,
                 subject=f"page:{page.id}")
    return _show(db, page, user, "page.read")


@router.post("/pages/{page_id}/release")
def put_aside(page_id: int, db: DbSession, user: Reviewer) -> PageOut:
    """Give the page back to the queue without deciding it."""
    page = _leased(db, page_id, user)
    page.move_to(PageState.NEEDS_REVIEW, f"put aside by {user.username}")
    release(page)
    return _show(db, page, user, "page.read")
