"""The ledger's reports over the API: JSON for the screen, CSV (`?format=csv`) to hand on.
Supervisors and admins only, and every answer is audited with the report, its parameters and
its row count, never its contents; no report holds a My Number (see ledger.reports.service)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from accounts.access import Action
from accounts.deps import DbSession, require
from ledger.reports.programmes import (
    DueRow,
    StatutoryRow,
    UnknownProgramme,
    due_list,
    programme,
    statutory_counts,
)
from ledger.reports.service import ClaimRow, CountRow, csv_chunks, dose_counts, monthly_claims
from models import User, audit
from models.clock import city_today

router = APIRouter(prefix="/api/reports", tags=["reports"])
Reporter = Annotated[User, Depends(require(Action.REPORT_VIEW))]
Format = Annotated[Literal["json", "csv"], Query(alias="format",
                                                 description="json (default) or csv")]


class ClaimsReport(BaseModel):
    year: int
    month: int
    rows: list[ClaimRow]


class CountsReport(BaseModel):
    start: date
    end: date
    rows: list[CountRow]


class DueReport(BaseModel):
    programme: str
    on: date
    rows: list[DueRow]


class StatutoryReport(BaseModel):
    year: int
    rows: list[StatutoryRow]


def _audit(db: DbSession, user: User, report: str, form: str, rows: int,
           **parameters: str) -> None:
    """Committed with the request, before the answer leaves (accounts.deps.get_db), so a
    download cut short is still on record."""
    audit.record(db, actor=user.username, action="report.export" if form == "csv"
                 else "report.view", subject=f"report:{report}",
                 detail={"report": report, "format": form, "rows": rows, **parameters})


def _csv(rows: Iterable[object], row_type: type, filename: str) -> StreamingResponse:
    columns = [field.name for field in fields(row_type)]
    return StreamingResponse(csv_chunks(rows, columns), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/claims", response_model=ClaimsReport)
def claims(db: DbSession, user: Reporter, year: Annotated[int, Query(ge=1948, le=2999)],
           month: Annotated[int, Query(ge=1, le=12)], form: Format = "json"
           ) -> ClaimsReport | StreamingResponse:
    """Doses per clinic and vaccine given in the month, for the clinics' 請求."""
    rows = monthly_claims(db, year, month)
    period = f"{year:04d}-{month:02d}"
    _audit(db, user, "claims", form, len(rows), period=period)
    if form == "csv":
        return _csv(rows, ClaimRow, f"claims-{period}.csv")
    return ClaimsReport(year=year, month=month, rows=rows)


@router.get("/counts", response_model=CountsReport)
def counts(db: DbSession, user: Reporter, start: date, end: date, form: Format = "json"
           ) -> CountsReport | StreamingResponse:
    """Doses per vaccine, dose, age band and sex from start to end (both included)."""
    if start > end:
        raise HTTPException(422, f"start {start} is after end {end}")
    rows = dose_counts(db, start, end)
    _audit(db, user, "counts", form, len(rows), start=start.isoformat(), end=end.isoformat())
    if form == "csv":
        return _csv(rows, CountRow, f"counts-{start}-{end}.csv")
    return CountsReport(start=start, end=end, rows=rows)


@router.get("/due", response_model=DueReport)
def due(db: DbSession, user: Reporter,
        programme_name: Annotated[str, Query(alias="programme",
                                             description="a programme (hpv) or a product")],
        on: date | None = None, form: Format = "json") -> DueReport | StreamingResponse:
    """Residents for whom the programme's next dose is a routine dose on `on` (today if not
    given), the overdue first: the 接種勧奨 and 再勧奨 list, from the schedule engine."""
    try:
        series = programme(programme_name)
    except UnknownProgramme as unknown:
        raise HTTPException(422, str(unknown)) from unknown
    on = on or city_today()
    rows = due_list(db, series.id, on)
    _audit(db, user, "due", form, len(rows), programme=series.id, on=on.isoformat())
    if form == "csv":
        return _csv(rows, DueRow, f"due-{series.id}-{on}.csv")
    return DueReport(programme=series.id, on=on, rows=rows)


@router.get("/statutory", response_model=StatutoryReport)
def statutory(db: DbSession, user: Reporter, year: Annotated[int, Query(ge=1948, le=2999)],
              form: Format = "json") -> StatutoryReport | StreamingResponse:
    """Valid routine doses given in 年度 `year` per programme, 期 and dose, with the doses the
    engine calls 接種間違い (予防接種法施行令第7条's count)."""
    rows = statutory_counts(db, year)
    _audit(db, user, "statutory", form, len(rows), year=str(year))
    if form == "csv":
        return _csv(rows, StatutoryRow, f"statutory-{year}.csv")
    return StatutoryReport(year=year, rows=rows)
