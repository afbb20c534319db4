"""Receiving a peer municipality's bulk file of My Numbers (the VRS-style path): checked line
by line while it is written to disk sealed (AES-GCM, see `models.storage.write_sealed`), so
a file of 100,000 numbers never sits in memory and the numbers waiting for their answer never
lie on disk (or in the database) in the clear; a bad line refuses the whole file, naming the
line but not its content. The sealed file is kept in the blob store, so the worker that
answers it in the queue (`workers.tasks`, after the caller's commit) may be on another
machine."""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from intake.errors import Refused
from models import BulkQuery, Peer, User, audit, blobs, storage
from models.transfers import peer_of
from workers.dispatch import answer_bulk_after_commit

MAX_LINES = 1_000_000


def _store_numbers(stream: BinaryIO, target: Path, name: str) -> int:
    """Lines of 12 digits (a first line `my_number` is a header), written sealed to `target`
    line for line, so the worker's line numbers are the peer's; refused on anything else."""
    count = 0
    lines = io.TextIOWrapper(stream, encoding="utf-8", errors="strict")
    try:
        with storage.write_sealed(target, name) as sealed:
            for index, line in enumerate(lines, start=1):
                text = line.strip()
                sealed.write(text + "\n")
                if index == 1 and text == "my_number":
                    continue
                if not (len(text) == 12 and text.isdigit()):
                    raise Refused(f"line {index} is not a 12-digit 個人番号")
                count += 1
                if count > MAX_LINES:
                    break
    except UnicodeDecodeError as undecodable:
        raise Refused("the file is not UTF-8 text") from undecodable
    finally:
        lines.detach()  # the stream is its owner's to close
    if not count or count > MAX_LINES:
        raise Refused(f"the file must hold 1 to {MAX_LINES} numbers, not {count}")
    return count


def _peer(session: Session, caller: User, code: str) -> Peer:
    peer = peer_of(session, caller)
    if peer is None or peer.code != code:
        raise Refused("the requester_code does not belong to the caller's token", 403)
    return peer


def submit(session: Session, *, caller: User, requester_code: str, numbers: BinaryIO
           ) -> BulkQuery:
    """Keep the file sealed and queue its answer; a refused file leaves no row and no file."""
    peer = _peer(session, caller, requester_code)
    bulk = BulkQuery(peer_code=peer.code)
    session.add(bulk)
    session.flush()
    received = storage.incoming_file()
    try:
        bulk.total = _store_numbers(numbers, received, bulk.sealed_name)
    except BaseException:
        received.unlink(missing_ok=True)
        raise
    bulk.input_sha256, _ = blobs.put_file(received)
    audit.record(session, actor=caller.username, action="transfer.bulk.submit",
                 subject=f"bulk:{bulk.id}", detail={"queries": bulk.total})
    answer_bulk_after_commit(session, bulk.id)
    return bulk


def own_bulk(session: Session, *, caller: User, bulk_id: int) -> BulkQuery:
    """The caller's own bulk query; another peer's is as unknown as one that never was."""
    bulk = session.get(BulkQuery, bulk_id)
    peer = peer_of(session, caller)
    if bulk is None or peer is None or bulk.peer_code != peer.code:
        raise Refused(f"no bulk query {bulk_id} of yours", 404)
    return bulk


def results_of(session: Session, *, caller: User, bulk_id: int) -> Path:
    """The answered file, its fetch audited; refused (409) while the answer is being made,
    and (410) once the results were deleted at the end of their retention period."""
    bulk = own_bulk(session, caller=caller, bulk_id=bulk_id)
    if bulk.state != "done":
        raise Refused(f"bulk query {bulk_id} is {bulk.state}, not done", 409)
    path = None if bulk.result_sha256 is None else blobs.local_path(bulk.result_sha256)
    if path is None or not path.exists():
        raise Refused(f"the results of bulk query {bulk_id} are no longer kept (deleted "
                      "when their retention period ended); send the numbers again", 410)
    audit.record(session, actor=caller.username, action="transfer.bulk.fetch",
                 subject=f"bulk:{bulk.id}", detail={"queries": bulk.total, "found": bulk.found})
    return path
