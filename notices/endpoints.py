"""Notice runs over HTTP (個別通知): create a run for a programme and month (202: its serials
are issued and committed, its files are drawn later by a worker), follow its progress, list
the runs, and download the PDF and the mailing CSV once done. Each route translates HTTP to
notices.service and notices.files and back; supervisors and admins only, and every download
is audited (who took which run's files).

The router is made by `notice_router(queue)`: this room does not import the queue
(workers imports notices to render), so the application hands it the function that queues a
run's rendering after the request's commit (workers.dispatch.render_notices_after_commit).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.access import Action
from accounts.deps import DbSession, require
from accounts.ids import RowId
from ledger.reports.programmes import UnknownProgramme, programme
from ledger.schedule.engine import master
from models import NoticeRun, NoticeRunState, User, audit
from notices.files import NotRetryable, files_of, retry
from notices.forms import NoPrintedForm, form_for
from notices.service import BadMonth, run_notices

Queue = Callable[[Session, int], None]
"""Queues a run's rendering to start once the caller's transaction has committed."""
Runner = Annotated[User, Depends(require(Action.NOTICE_RUN))]
FileKind = Literal["pdf", "csv"]
MEDIA_TYPES: dict[str, str] = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


class RunRequest(BaseModel):
    programme: str = Field(max_length=64, description="a programme id (mr, hpv…) or a product")
    month: str = Field(max_length=16, description="the month whose new targets, YYYY-MM")
    reminders: bool = Field(False, description="also remind the overdue (再勧奨)")


class ProgrammeOut(BaseModel):
    id: str
    name_ja: str
    form_id: str
    """The printed 予診票 its notices carry."""


class RunOut(BaseModel):
    id: int
    programme: str
    programme_ja: str
    month: str
    reminders: bool
    people: int
    state: str
    """queued, rendering, done or failed."""
    reason: str
    progress: int
    """Notices written so far."""
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    pdf_url: str | None
    csv_url: str | None
    """Where the files are downloaded from, once done."""


def _name_ja(programme_id: str) -> str:
    try:
        return programme(programme_id).name_ja
    except UnknownProgramme:
        return programme_id


def _out(run: NoticeRun) -> RunOut:
    files = run.state == NoticeRunState.DONE and run.pdf_sha256 is not None
    return RunOut(id=run.id, programme=run.programme, programme_ja=_name_ja(run.programme),
                  month=f"{run.period_start:%Y-%m}", reminders=run.reminders,
                  people=run.people, state=run.state, reason=run.reason, progress=run.progress,
                  created_by=run.created_by, created_at=run.created_at,
                  finished_at=run.finished_at,
                  pdf_url=f"/api/notice-runs/{run.id}/pdf" if files else None,
                  csv_url=f"/api/notice-runs/{run.id}/csv" if files else None)


def _run(db: Session, run_id: int) -> NoticeRun:
    run = db.get(NoticeRun, run_id)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no notice run {run_id}")
    return run


def printable_programmes() -> list[ProgrammeOut]:
    """The programmes whose notices can be printed: those a printed form offers."""
    found = []
    for series in master().rules.series:
        try:
            found.append(ProgrammeOut(id=series.id, name_ja=series.name_ja,
                                      form_id=form_for(series).form_id))
        except NoPrintedForm:
            continue
    return found


def notice_router(queue: Queue) -> APIRouter:
    router = APIRouter(prefix="/api/notice-runs", tags=["notices"])

    @router.get("/programmes")
    def programmes(_: Runner) -> list[ProgrammeOut]:
        """The programmes a run may be made for."""
        return printable_programmes()

    @router.post("", status_code=status.HTTP_202_ACCEPTED)
    def create_run(body: RunRequest, db: DbSession, user: Runner) -> RunOut:
        """Everyone due for the programme in the month gets a serial now; the PDF and the
        mailing list are drawn by a worker after this request commits."""
        try:
            batch = run_notices(db, programme_name=body.programme, month=body.month,
                                reminders=body.reminders, actor=user.username)
        except BadMonth as refused:
            raise HTTPException(422, str(refused)) from refused
        except UnknownProgramme as refused:
            raise HTTPException(422, f"予防接種の種類が見つかりません ({refused})") from refused
        except NoPrintedForm as refused:
            raise HTTPException(422, "この予防接種の通知に付ける予診票がありません "
                                     f"({refused})") from refused
        queue(db, batch.run.id)
        return _out(batch.run)

    @router.get("")
    def list_runs(db: DbSession, _: Runner,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[RunOut]:
        """The newest runs first."""
        runs = db.scalars(select(NoticeRun).order_by(NoticeRun.id.desc()).limit(limit))
        return [_out(run) for run in runs]

    @router.get("/{run_id}")
    def get_run(run_id: RowId, db: DbSession, _: Runner) -> RunOut:
        return _out(_run(db, run_id))

    @router.post("/{run_id}/retry", status_code=status.HTTP_202_ACCEPTED)
    def retry_run(run_id: RowId, db: DbSession, user: Runner) -> RunOut:
        """Draw a failed run again from the serials it issued (409 for a run not failed, or
        one whose people were printed again since); the worker is queued after the commit."""
        run = _run(db, run_id)
        try:
            retry(db, run, actor=user.username)
        except NotRetryable as refused:
            raise HTTPException(status.HTTP_409_CONFLICT, str(refused)) from refused
        queue(db, run.id)
        return _out(run)

    @router.get("/{run_id}/{kind}", response_class=FileResponse)
    def download(run_id: RowId, kind: FileKind, db: DbSession, user: Runner) -> FileResponse:
        """The run's PDF or mailing CSV, once done (409 before). The download is audited
        before the file leaves (the request's commit comes first)."""
        run = _run(db, run_id)
        if run.state != NoticeRunState.DONE:
            raise HTTPException(status.HTTP_409_CONFLICT,
                                f"通知の作成が終わっていません (notice run {run_id} is "
                                f"{run.state}, not done)")
        files = files_of(run)
        path = None if files is None else files[0 if kind == "pdf" else 1]
        if path is None or not path.exists():
            raise HTTPException(status.HTTP_404_NOT_FOUND,
                                f"notice run {run_id} has no {kind} file in the store "
                                "(its forms were printed elsewhere, or its files were "
                                "deleted when their retention period ended)")
        audit.record(db, actor=user.username, action="notices.download",
                     subject=f"notice_run:{run.id}",
                     detail={"file": kind, "people": run.people})
        return FileResponse(path, media_type=MEDIA_TYPES[kind], filename=_filename(run, kind))

    return router


def _filename(run: NoticeRun, kind: str) -> str:
    stem = "notices" if kind == "pdf" else "mailing"
    return f"{stem}-{run.id}-{run.programme}-{run.period_start:%Y-%m}.{kind}"

