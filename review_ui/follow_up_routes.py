"""The follow-up list (後で確認): the API and its screen, each a translation of
`review_ui.follow_ups` into HTTP. The screen posts plain forms and comes back to the list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from accounts.access import Action
from accounts.deps import DbSession, require
from models import Page, User
from models.settings import get_settings
from review_ui import follow_ups, service
from review_ui.api import PageDep
from review_ui.labels import field_labels
from review_ui.schemas import FieldCorrections
from review_ui.screens import _render, screen_user

api = APIRouter(prefix="/api", tags=["review"])
screens = APIRouter(include_in_schema=False)
Reviewer = Annotated[User, Depends(require(Action.REVIEW))]
ScreenReviewer = Annotated[User, Depends(screen_user(Action.REVIEW))]


class FlaggedOut(BaseModel):
    key: str
    label: str
    value: str
    confidence: float | None
    problem: str


class FollowUpOut(BaseModel):
    page_id: int
    batch_id: int
    resident_id: int | None
    fields: list[FlaggedOut]


def _out(page: Page) -> FollowUpOut:
    labels = field_labels(get_settings().forms_dir, page.form_id)
    return FollowUpOut(page_id=page.id, batch_id=page.batch_id, resident_id=page.resident_id,
                       fields=[FlaggedOut(key=f.key, label=labels[f.key].label if f.key in labels
                                          else f.key, value=f.value, confidence=f.confidence,
                                          problem=f.problem) for f in follow_ups.flagged(page)])


def _listed(db: DbSession, user: User) -> list[FollowUpOut]:
    """Each page listed is a page read, audited as the review screen's are."""
    pages = follow_ups.waiting(db)
    for page in pages:
        service.shown(db, page, user=user)
    return [_out(page) for page in pages]


@api.get("/follow-ups")
def follow_up_list(db: DbSession, user: Reviewer) -> list[FollowUpOut]:
    """Committed pages whose doubted questionnaire answers wait for a person's look."""
    return _listed(db, user)


@api.post("/pages/{page_id}/follow-up")
def close_follow_up(body: FieldCorrections, db: DbSession, user: Reviewer, page: PageDep
                    ) -> FollowUpOut:
    try:
        follow_ups.close(db, page, user=user, corrections=body.values)
    except follow_ups.FollowUpRefused as refused:
        raise HTTPException(409, str(refused)) from refused
    return _out(page)


@screens.get("/follow-up")
def follow_up_screen(request: Request, db: DbSession, user: ScreenReviewer) -> HTMLResponse:
    return _render(request, "follow_up.html", user, pages=_listed(db, user))


@screens.post("/follow-up/{page_id}")
async def follow_up_done(request: Request, db: DbSession, user: ScreenReviewer,
                         page: PageDep) -> RedirectResponse:
    form = await request.form()
    shown = {f.key: f.value for f in follow_ups.flagged(page)}
    corrections = {key: value for key, value in ((k, str(form.get(f"value:{k}", v)).strip())
                                                 for k, v in shown.items()) if value != shown[key]}
    try:
        follow_ups.close(db, page, user=user, corrections=corrections)
        request.session["flash"] = f"ページ {page.id} の回答を確認しました。"
    except follow_ups.FollowUpRefused as refused:
        request.session["flash"] = str(refused)
    return RedirectResponse("/follow-up", status_code=303)
