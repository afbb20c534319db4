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
from sqlalchemy import select

from accounts.access import Action
from accounts.deps import DbSession, credential_check, require
from accounts.ids import RowId
from intake.batches import StoredBlobs, Upload, create_batch
from intake.errors import UploadRejected
from intake.schemas import BatchOut, batch_out
from models import Batch, Page, PageState, User, audit
from models.db import session_scope
from models.settings import get_settings
from workers.dispatch import read_after_commit

router = APIRouter(prefix="/api", tags=["intake"])
Uploader = Annotated[User, Depends(require(Action.BATCH_UPLOAD))]
BatchViewer = Annotated[User, Depends(require(Action.BATCH_VIEW))]
Retrier = Annotated[User, Depends(require(Action.PAGE_RETRY))]


def _read_limited(upload: UploadFile) -> Upload:
    limit = get_settings().max_upload_bytes
    data = upload.file.read(limit + 1)
    name = upload.filename or "upload"
    if len(data) > limit:
        raise UploadRejected(f"{name}: larger than {limit} bytes", 413)
    return Upload(name, data)


@router.post("/batches", status_code=status.HTTP_201_CREATED)
def upload_batch(db: DbSession, user: Uploader,
                 files: Annotated[list[UploadFile], File(description="PDF, TIFF, PNG or JPEG")],
                 label: Annotated[str, Form(max_length=200)] = "") -> BatchOut:
    """The files are stored and their pages recorded before this answers; reading follows."""
    blobs = StoredBlobs()
    try:
        uploads = [_read_limited(f) for f in files]
        batch = create_batch(db, user, uploads, label, blobs)
    except UploadRejected as refused:
        db.rollback()
        blobs.discard()
        raise HTTPException(refused.status, refused.message) from refused
    except BaseException:
        db.rollback()
        blobs.discard()
        raise
    return batch_out(batch)


@router.get("/batches")
def list_batches(db: DbSession, _: BatchViewer,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[BatchOut]:
    batches = db.scalars(select(Batch).order_by(Batch.id.desc()).limit(limit)).all()
    return [batch_out(b) for b in batches]


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
    if page.state != PageState.FAILED:
        raise HTTPException(409, f"page {page_id} is {page.state}; only a failed page is retried")
    page.move_to(PageState.QUEUED, f"retry asked by {user.username}")
    page.attempts = 0
    audit.record(db, actor=user.username, action="page.retry", subject=f"page:{page.id}")
    read_after_commit(db, [page.id])
    return batch_out(page.batch)
