"""The field grid (項目別確認): its API and its screen, each a translation of
`review_ui.field_grid` into HTTP. The screen is rendered with the cells; its script
(static/field_grid.js) checks each value through the API as the reviewer presses Enter."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from accounts.access import Action
from accounts.deps import DbSession, require
from accounts.ids import RowId
from models import Page, User
from review_ui import field_grid, service
from review_ui.leases import LeaseRefused
from review_ui.schemas import CorrectedValue
from review_ui.screens import _render, screen_user

api = APIRouter(prefix="/api/field-grid", tags=["review"])
screens = APIRouter(include_in_schema=False)
Reviewer = Annotated[User, Depends(require(Action.REVIEW))]
ScreenReviewer = Annotated[User, Depends(screen_user(Action.REVIEW))]
GridKey = Annotated[str, Path(min_length=1, max_length=64)]


class GridKeyOut(BaseModel):
    key: str
    label: str
    pages: int
    """Waiting pages on which the field is doubtful."""


class GridCellOut(BaseModel):
    page_id: int
    batch_id: int
    key: str
    label: str
    value: str
    confidence: float | None
    source: str
    problem: str
    doubtful: bool
    checked: bool
    """The value is a reviewer's (confirmed or corrected by a person)."""
    crop_url: str | None
    review_url: str


class GridOut(BaseModel):
    key: str
    label: str
    cells: list[GridCellOut]
    limit: int


class GridCheckIn(BaseModel):
    value: CorrectedValue


class GridCheckOut(GridCellOut):
    page_state: str
    reason: str


def _cell_out(cell: field_grid.Cell) -> GridCellOut:
    page, field = cell.page, cell.field
    return GridCellOut(
        page_id=page.id, batch_id=page.batch_id, key=field.key, label=cell.label,
        value=field.value, confidence=field.confidence, source=field.source,
        problem=field.problem, doubtful=cell.doubtful, checked=cell.checked,
        crop_url=f"/api/pages/{page.id}/fields/{field.key}/image" if field.box else None,
        review_url=f"/review/{page.id}")


def _grid(db: DbSession, key: str, user: User) -> GridOut:
    cells = field_grid.cells(db, key, user=user)
    label = cells[0].label if cells else field_grid.label_of(db, key)
    return GridOut(key=key, label=label, cells=[_cell_out(c) for c in cells],
                   limit=field_grid.GRID_LIMIT)


def _summary(db: DbSession, user: User) -> list[GridKeyOut]:
    return [GridKeyOut(key=k.key, label=k.label, pages=k.pages)
            for k in field_grid.summary(db, user=user)]


@api.get("")
def grid_keys(db: DbSession, user: Reviewer) -> list[GridKeyOut]:
    """Each field key with the number of waiting pages on which it is doubtful, most first."""
    return _summary(db, user)


@api.get("/{key}")
def grid_cells(key: GridKey, db: DbSession, user: Reviewer) -> GridOut:
    """The waiting pages on which the field is doubtful, oldest first, each with its crop."""
    return _grid(db, key, user)


@api.post("/{key}/pages/{page_id}")
def grid_check(key: GridKey, page_id: RowId, body: GridCheckIn, db: DbSession,
               user: Reviewer) -> GridCheckOut:
    """Keep the value (as read, or as typed over) as the reviewer's. The page goes back to
    the queue; it is confirmed on the review screen (see `review_ui.field_grid`)."""
    page = db.get(Page, page_id, with_for_update=True)
    if page is None:
        raise HTTPException(404, f"no page {page_id}")
    try:
        cell = field_grid.check(db, page, user=user, key=key, value=body.value)
    except service.UnknownFields as unknown:
        raise HTTPException(404, str(unknown)) from unknown
    except (LeaseRefused, field_grid.NotDoubtful) as refused:
        raise HTTPException(409, str(refused)) from refused
    return GridCheckOut(**_cell_out(cell).model_dump(), page_state=page.state,
                        reason=page.state_reason)


@screens.get("/grid")
def grid_screen(request: Request, db: DbSession, user: ScreenReviewer,
                field: Annotated[str | None, Query(max_length=64)] = None) -> HTMLResponse:
    """Without `field`: the fields worth a grid. With it: that field's grid."""
    grid = _grid(db, field, user) if field else None
    return _render(request, "field_grid.html", user, keys=_summary(db, user), grid=grid)
