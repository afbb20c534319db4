"""The VRS-style bulk path over HTTP: a peer municipality sends a file of My Numbers (one
per line), it is answered in the queue, and the peer fetches a results file keyed by line
number. The rules are `intake.bulk_files`'s; these routes translate HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, UploadFile, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from accounts.access import Action
from accounts.deps import DbSession, require
from accounts.ids import RowId
from intake import bulk_files
from intake.errors import Refused
from models import BulkQuery, User

router = APIRouter(prefix="/api/transfer/bulk", tags=["transfer"])
PeerCaller = Annotated[User, Depends(require(Action.TRANSFER_ANSWER))]


class BulkOut(BaseModel):
    id: int
    state: str
    total: int
    processed: int
    found: int
    error: str


def _out(bulk: BulkQuery) -> BulkOut:
    return BulkOut.model_validate(bulk, from_attributes=True)


def _http(refused: Refused) -> HTTPException:
    return HTTPException(refused.status, refused.message)


@router.post("", status_code=status.HTTP_202_ACCEPTED)
def submit(db: DbSession, caller: PeerCaller,
           numbers: Annotated[UploadFile, File(description="one 個人番号 per line")],
           requester_code: Annotated[str, Form(pattern=r"^\d{6}$")]) -> BulkOut:
    try:
        return _out(bulk_files.submit(db, caller=caller, requester_code=requester_code,
                                      numbers=numbers.file))
    except Refused as refused:
        raise _http(refused) from refused


@router.get("/{bulk_id}")
def progress(bulk_id: RowId, db: DbSession, caller: PeerCaller) -> BulkOut:
    try:
        return _out(bulk_files.own_bulk(db, caller=caller, bulk_id=bulk_id))
    except Refused as refused:
        raise _http(refused) from refused


def _stream(path: Path) -> Iterator[bytes]:
    with path.open("rb") as results:
        while block := results.read(1 << 16):
            yield block


@router.get("/{bulk_id}/results", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}}})
def results(bulk_id: RowId, db: DbSession, caller: PeerCaller) -> StreamingResponse:
    """line,found,vaccine,dose_number,vaccinated_on,lot_number — one row per record, one row
    with found=false for a number that is not ours."""
    try:
        path = bulk_files.results_of(db, caller=caller, bulk_id=bulk_id)
    except Refused as refused:
        raise _http(refused) from refused
    return StreamingResponse(_stream(path), media_type="text/csv",
                             headers={"Content-Disposition":
                                      f'attachment; filename="bulk-{bulk_id}.csv"'})
