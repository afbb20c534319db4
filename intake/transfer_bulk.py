"""The VRS-style bulk path: a peer municipality sends a file of My Numbers (one per line),
it is answered in the queue, and the peer fetches a results file keyed by line number.

The upload is checked line by line while it is written to disk sealed (AES-GCM, see
`models.storage.write_sealed`), so a file of 100,000 numbers never sits in memory and the
numbers waiting for their answer never lie on disk in the clear; a bad line refuses the
whole file, naming the line but not its content.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, UploadFile, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from accounts.access import Action
from accounts.deps import DbSession, require
from accounts.ids import RowId
from models import BulkQuery, Peer, User, audit, storage
from models.settings import get_settings
from models.transfers import peer_of
from workers.dispatch import answer_bulk_after_commit

router = APIRouter(prefix="/api/transfer/bulk", tags=["transfer"])
PeerCaller = Annotated[User, Depends(require(Action.TRANSFER_ANSWER))]
MAX_LINES = 1_000_000


class BulkOut(BaseModel):
    id: int
    state: str
    total: int
    processed: int
    found: int
    error: str


def _directory() -> Path:
    return storage.private_dir(get_settings().resolved_home / "transfer-bulk")


def _store_numbers(upload: UploadFile, target: Path) -> int:
    """Lines of 12 digits (a first line `my_number` is a header), written sealed to `target`
    line for line, so the worker's line numbers are the peer's; raises on anything else."""
    count = 0
    lines = io.TextIOWrapper(upload.file, encoding="utf-8", errors="strict")
    try:
        with storage.write_sealed(target) as sealed:
            for index, line in enumerate(lines, start=1):
                text = line.strip()
                sealed.write(text + "\n")
                if index == 1 and text == "my_number":
                    continue
                if not (len(text) == 12 and text.isdigit()):
                    raise HTTPException(400, f"line {index} is not a 12-digit 個人番号")
                count += 1
                if count > MAX_LINES:
                    break
    finally:
        lines.detach()  # the upload's own file is closed by the framework
    if not count or count > MAX_LINES:
        raise HTTPException(400, f"the file must hold 1 to {MAX_LINES} numbers, not {count}")
    return count


def _peer(db: DbSession, caller: User, code: str) -> Peer:
    peer = peer_of(db, caller)
    if peer is None or peer.code != code:
        raise HTTPException(403, "the requester_code does not belong to the caller's token")
    return peer


@router.post("", status_code=status.HTTP_202_ACCEPTED)
def submit(db: DbSession, caller: PeerCaller,
           numbers: Annotated[UploadFile, File(description="one 個人番号 per line")],
           requester_code: Annotated[str, Form(pattern=r"^\d{6}$")]) -> BulkOut:
    peer = _peer(db, caller, requester_code)
    bulk = BulkQuery(peer_code=peer.code, input_path="", result_path="")
    db.add(bulk)
    db.flush()
    source = _directory() / f"bulk-{bulk.id}.numbers"
    try:
        bulk.total = _store_numbers(numbers, source)
    except (HTTPException, UnicodeDecodeError) as refused:
        source.unlink(missing_ok=True)
        if isinstance(refused, HTTPException):
            raise
        raise HTTPException(400, "the file is not UTF-8 text") from refused
    bulk.input_path = str(source)
    bulk.result_path = str(_directory() / f"bulk-{bulk.id}.results.csv")
    audit.record(db, actor=caller.username, action="transfer.bulk.submit",
                 subject=f"bulk:{bulk.id}", detail={"queries": bulk.total})
    answer_bulk_after_commit(db, bulk.id)
    return BulkOut.model_validate(bulk, from_attributes=True)


def _own(db: DbSession, caller: User, bulk_id: int) -> BulkQuery:
    bulk = db.get(BulkQuery, bulk_id)
    peer = peer_of(db, caller)
    if bulk is None or peer is None or bulk.peer_code != peer.code:
        raise HTTPException(404, f"no bulk query {bulk_id} of yours")
    return bulk


@router.get("/{bulk_id}")
def progress(bulk_id: RowId, db: DbSession, caller: PeerCaller) -> BulkOut:
    return BulkOut.model_validate(_own(db, caller, bulk_id), from_attributes=True)


def _stream(path: Path) -> Iterator[bytes]:
    with path.open("rb") as results:
        while block := results.read(1 << 16):
            yield block


@router.get("/{bulk_id}/results", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}}})
def results(bulk_id: RowId, db: DbSession, caller: PeerCaller) -> StreamingResponse:
    """line,found,vaccine,dose_number,vaccinated_on,lot_number — one row per record, one row
    with found=false for a number that is not ours."""
    bulk = _own(db, caller, bulk_id)
    if bulk.state != "done":
        raise HTTPException(409, f"bulk query {bulk_id} is {bulk.state}, not done")
    audit.record(db, actor=caller.username, action="transfer.bulk.fetch",
                 subject=f"bulk:{bulk.id}", detail={"queries": bulk.total, "found": bulk.found})
    return StreamingResponse(_stream(Path(bulk.result_path)), media_type="text/csv",
                             headers={"Content-Disposition":
                                      f'attachment; filename="bulk-{bulk_id}.csv"'})
