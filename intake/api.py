"""Intake endpoints: upload a batch, watch its pages, retry a failed page."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    UploadFile,
    status,
)
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from accounts.access import Action
from accounts.deps import DbSession, credential_check, require
from accounts.ids import RowId
from intake.batches import create_batch, received, retry
from intake.errors import Refused
from intake.schemas import BatchOut, batch_out
from models import Batch, Page, User
from models.db import session_scope
from models.documents import recent_batches

router = APIRouter(prefix="/api", tags=["intake"])
Uploader = Annotated[User, Depends(require(Action.BATCH_UPLOAD))]
BatchViewer = Annotated[User, Depends(require(Action.BATCH_VIEW))]
Retrier = Annotated[User, Depends(require(Action.PAGE_RETRY))]


@router.post("/batches", status_code=status.HTTP_201_CREATED)
def upload_batch(db: DbSession, user: Uploader,
                 files: Annotated[list[UploadFile], File(description="PDF, TIFF, PNG or JPEG")],
                 label: Annotated[str, Form(max_length=200)] = "") -> BatchOut:
    """The files are stored and their pages recorded before this answers; splitting and
    reading follow in the queue."""
    try:
        with received([(f.filename, f.file) for f in files]) as uploads:
            return batch_out(create_batch(db, user, uploads, label))
    except Refused as refused:
        raise HTTPException(refused.status, refused.message) from refused


@router.get("/batches")
def list_batches(db: DbSession, _: BatchViewer,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[BatchOut]:
    return [batch_out(b) for b in recent_batches(db, limit)]


@router.get("/batches/{batch_id}")
def get_batch(batch_id: RowId, db: DbSession, _: BatchViewer) -> BatchOut:
    batch = db.get(Batch, batch_id)
    if batch is None:
        raise HTTPException(404, f"no batch {batch_id}")
    return batch_out(batch)


EVENT_INTERVAL = 1.0
"""Seconds between looks at a batch being watched; an event goes out only on a change."""
EVENT_LIMIT = 4 * 3600
"""A watch ends after this many seconds; the browser's EventSource reconnects by itself."""


def _progress(batch_id: int) -> BatchOut | None:
    with session_scope() as session:
        batch = session.get(Batch, batch_id)
        return batch_out(batch) if batch is not None else None


async def _progress_events(batch_id: int, still_allowed: Callable[[], bool]
                           ) -> AsyncIterator[str]:
    """Server-sent events of the batch's progress until every page has been read. Waiting
    between looks holds no request thread, so many open batch screens cost nothing. The
    stream ends as soon as its caller's session or token no longer holds (logged out,
    account disabled, token revoked)."""
    last = ""
    started = time.monotonic()
    while time.monotonic() - started < EVENT_LIMIT:
        if not await run_in_threadpool(still_allowed):
            return
        progress = await run_in_threadpool(_progress, batch_id)
        if progress is None:
            return
        data = progress.model_dump_json()
        if data != last:
            yield f"event: progress\ndata: {data}\n\n"
            last = data
        if progress.read == progress.total:
            yield "event: done\ndata: {}\n\n"
            return
        await asyncio.sleep(EVENT_INTERVAL)


@router.get("/batches/{batch_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
def watch_batch(batch_id: RowId, request: Request, db: DbSession, _: BatchViewer
                ) -> StreamingResponse:
    """The batch's progress as server-sent events (`progress` on each change, then `done`)."""
    if db.get(Batch, batch_id) is None:
        raise HTTPException(404, f"no batch {batch_id}")
    db.rollback()
    return StreamingResponse(_progress_events(batch_id, credential_check(request)),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store"})


@router.post("/pages/{page_id}/retry")
def retry_page(page_id: RowId, db: DbSession, user: Retrier) -> BatchOut:
    """Give a failed page another round of reading, with a fresh count of attempts."""
    page = db.get(Page, page_id, with_for_update=True)
    if page is None:
        raise HTTPException(404, f"no page {page_id}")
    try:
        retry(db, page, user=user)
    except Refused as refused:
        raise HTTPException(refused.status, refused.message) from refused
    return batch_out(page.batch)
