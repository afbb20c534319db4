"""Transfer queries between municipalities (転出入時の接種記録の照会), as the national VRS does.

Inbound: a peer asks with a 個人番号; the answer carries the person's records only when the
person is, or was, in this city's register. Any other number gets the same "not found"
answer through the same queries, and the number itself is never stored or logged: the
provision record keeps who asked, when, the resident (only when ours) and the records sent.

Outbound: for a resident who moved in, staff ask the former municipality and its records
become ledger records with source `transfer` and the peer's code as their origin.

Bulk: a peer's file of numbers is answered in the queue, a chunk per transaction, into a
results file keyed by line number; the numbers file is deleted once answered.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ledger import my_number
from ledger.identifiers import is_valid_my_number
from ledger.peers import PeerRefused, outbound_token
from ledger.records import Dose, RecordRefused, record_dose
from models import BulkQuery, LedgerRecord, Peer, Provision, RecordSource, Resident, audit
from models.base import utcnow
from models.db import session_scope
from models.settings import get_settings

QUERY_PATH = "/api/transfer/query"


class TransferredRecord(BaseModel):
    vaccine: str
    dose_number: int
    vaccinated_on: date
    lot_number: str
    clinic_code: str = ""


class TransferAnswer(BaseModel):
    """The same shape whether or not the person is ours."""

    municipality_code: str
    found: bool
    records: list[TransferredRecord]


class TransferFailed(Exception):
    pass


def _resident(session: Session, number: str) -> Resident | None:
    return session.scalar(select(Resident).where(
        Resident.my_number_hash == my_number.lookup_hash(number)))


def answer_query(session: Session, peer: Peer, number: str, *, direction: str = "inbound"
                 ) -> TransferAnswer:
    """Answer one query and write it to the provision record and the audit chain."""
    resident = _resident(session, number) if is_valid_my_number(number) else None
    records = [] if resident is None else list(session.scalars(
        select(LedgerRecord).where(LedgerRecord.resident_id == resident.id,
                                   LedgerRecord.voided_at.is_(None))
        .order_by(LedgerRecord.vaccinated_on, LedgerRecord.id)))
    session.add(Provision(direction=direction, peer_code=peer.code,
                          resident_id=resident.id if resident else None,
                          found=resident is not None, records=[r.id for r in records],
                          actor=peer.user.username))
    audit.record(session, actor=peer.user.username, action="transfer.answer",
                 resident_id=resident.id if resident else None, subject=f"peer:{peer.code}",
                 detail={"found": resident is not None, "records": len(records)})
    return TransferAnswer(
        municipality_code=get_settings().municipality_code, found=resident is not None,
        records=[TransferredRecord.model_validate(r, from_attributes=True) for r in records])


def ask_peer(peer: Peer, number: str) -> TransferAnswer:
    """One query to a peer's Yoshin; TransferFailed with a reason a person can act on."""
    settings = get_settings()
    try:
        answer = httpx.post(f"{peer.url}{QUERY_PATH}", timeout=settings.transfer_timeout_seconds,
                            headers={"Authorization": f"Bearer {outbound_token(peer)}"},
                            json={"requester_code": settings.municipality_code,
                                  "my_number": number})
    except PeerRefused as refused:
        raise TransferFailed(str(refused)) from refused
    except httpx.HTTPError as error:
        raise TransferFailed(f"municipality {peer.code} did not answer "
                             f"({type(error).__name__})") from error
    if answer.status_code != 200:
        raise TransferFailed(f"municipality {peer.code} refused the query "
                             f"(HTTP {answer.status_code})")
    return TransferAnswer.model_validate_json(answer.content)


@dataclass
class Imported:
    found: bool
    created: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Doses the ledger already holds, with why they were not imported."""


def import_answer(session: Session, resident: Resident, peer: Peer, answer: TransferAnswer,
                  *, actor: str, user_id: int | None) -> Imported:
    """The peer's records as this city's records of the resident (source transfer)."""
    result = Imported(found=answer.found)
    for given in answer.records:
        dose = Dose(resident.id, given.vaccine, given.dose_number, given.vaccinated_on,
                    given.lot_number, given.clinic_code)
        try:
            with session.begin_nested():
                record = record_dose(session, dose, source=RecordSource.TRANSFER, actor=actor,
                                     user_id=user_id, origin=peer.code)
            result.created.append(record.id)
        except RecordRefused as refused:
            result.skipped.append(str(refused))
    session.add(Provision(direction="outbound", peer_code=peer.code, resident_id=resident.id,
                          found=answer.found, records=result.created, actor=actor,
                          detail={"skipped": len(result.skipped)}))
    audit.record(session, actor=actor, action="transfer.import", resident_id=resident.id,
                 subject=f"peer:{peer.code}",
                 detail={"found": answer.found, "created": len(result.created),
                         "skipped": len(result.skipped)})
    return result


BULK_CHUNK = 1000
"""Numbers answered per transaction: memory stays flat however long the file is."""
RESULT_COLUMNS = ("line", "found", "vaccine", "dose_number", "vaccinated_on", "lot_number")


def _chunks(lines: Iterable[str], size: int) -> Iterator[list[tuple[int, str]]]:
    """(line number, number) in chunks; a first line `my_number` is a header."""
    chunk: list[tuple[int, str]] = []
    for number, text in enumerate(lines, start=1):
        if number == 1 and text.strip() == "my_number":
            continue
        chunk.append((number, text.strip()))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _answer_chunk(session: Session, peer: Peer, bulk_id: int, chunk: list[tuple[int, str]],
                  writer: Any) -> int:
    """Answer one chunk with two queries, write its result rows; returns how many were ours."""
    hashes = {line: my_number.lookup_hash(text) for line, text in chunk
              if is_valid_my_number(text)}
    residents = {r.my_number_hash: r for r in session.scalars(
        select(Resident).where(Resident.my_number_hash.in_(set(hashes.values()))))}
    records: dict[int, list[LedgerRecord]] = defaultdict(list)
    for record in session.scalars(
            select(LedgerRecord).where(LedgerRecord.resident_id.in_(
                [r.id for r in residents.values()]), LedgerRecord.voided_at.is_(None))
            .order_by(LedgerRecord.vaccinated_on, LedgerRecord.id)):
        records[record.resident_id].append(record)
    found = 0
    for line, _ in chunk:
        resident = residents.get(hashes.get(line, ""))
        if resident is None:
            writer.writerow((line, "false", "", "", "", ""))
            continue
        found += 1
        given = records[resident.id]
        session.add(Provision(direction="bulk", peer_code=peer.code, resident_id=resident.id,
                              found=True, records=[r.id for r in given],
                              actor=peer.user.username, bulk_id=bulk_id))
        for record in given or [None]:
            writer.writerow((line, "true", *(("",) * 4 if record is None else (
                record.vaccine, record.dose_number, record.vaccinated_on.isoformat(),
                record.lot_number))))
    return found


def answer_bulk(bulk_id: int) -> None:
    """Answer a queued bulk query. Safe to run again: a retried run starts over, replacing
    the partial results and the provision rows of the run that did not finish."""
    with session_scope() as session:
        bulk = session.get(BulkQuery, bulk_id, with_for_update=True)
        if bulk is None or bulk.state == "done":
            return
        bulk.state, bulk.processed, bulk.found, bulk.error = "running", 0, 0, ""
        session.execute(delete(Provision).where(Provision.bulk_id == bulk_id))
        source, target, code = Path(bulk.input_path), Path(bulk.result_path), bulk.peer_code
    if not source.exists():
        _finish(bulk_id, "failed", "the uploaded numbers are no longer stored; send them again")
        return
    partial = target.with_suffix(".part")
    with source.open(encoding="utf-8") as numbers, partial.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(RESULT_COLUMNS)
        for chunk in _chunks(numbers, BULK_CHUNK):
            with session_scope() as session:
                peer = session.scalar(select(Peer).where(Peer.code == code))
                found = _answer_chunk(session, peer, bulk_id, chunk, writer)
                bulk = session.get(BulkQuery, bulk_id)
                bulk.processed += len(chunk)
                bulk.found += found
    partial.replace(target)
    source.unlink()
    _finish(bulk_id, "done")


def _finish(bulk_id: int, state: str, error: str = "") -> None:
    with session_scope() as session:
        bulk = session.get(BulkQuery, bulk_id)
        bulk.state, bulk.error, bulk.finished_at = state, error, utcnow()
        audit.record(session, actor=f"peer-{bulk.peer_code}", action=f"transfer.bulk.{state}",
                     subject=f"bulk:{bulk.id}",
                     detail={"queries": bulk.processed, "found": bulk.found})
