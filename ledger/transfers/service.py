"""Transfer queries between municipalities (転出入時の接種記録の照会), as the national VRS does.

Inbound: a peer asks with a 個人番号; the answer carries the person's records only when the
person is, or was, in this city's register. Any other number gets the same "not found"
answer through the same queries, and the number itself is never stored or logged: the
provision record keeps who asked, when, the resident (only when ours) and the records sent.

Outbound: for a resident who moved in, staff ask the former municipality (over https; see
`ledger.transfers.peers.check_peer_url`) and its records become ledger records with source
`transfer` and the peer's code as their origin. The answer is input like any other: each record
is checked (`PeerRecord`) and an answer with any part that does not fit is refused whole.

Bulk: a peer's file of numbers is answered in the queue, a chunk per transaction, into a
results file keyed by line number; the numbers file is deleted once answered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ledger.checks.record_checks import MISTAKE
from ledger.checks.validation import CLINIC_CODE, LOT_NUMBER, SEASONAL, VACCINES
from ledger.kit import csv_cells
from ledger.kit.calendar import fiscal_year
from ledger.kit.identifiers import is_valid_my_number
from ledger.records.repository import records_in_force_of_many, records_of
from ledger.records.service import Dose, RecordRefused, record_dose
from ledger.residents import my_number
from ledger.schedule.engine import GivenDose
from ledger.schedule.service import judge_incoming
from ledger.transfers.peers import PeerRefused, check_peer_url, outbound_token, peer_by_code
from models import (
    BulkQuery,
    LedgerRecord,
    Peer,
    Provision,
    RecordSource,
    Resident,
    audit,
    blobs,
    storage,
)
from models.base import utcnow
from models.clock import city_today
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


class NoNumberToAsk(Exception):
    """The resident has no My Number on record, and a peer is asked by number only."""


EARLIEST_DOSE = date(1900, 1, 1)
"""No record of a dose given before this day is believed."""
MAX_DOSE = 10
"""The highest dose number of a non-seasonal vaccine a record may carry."""
MAX_RECORDS = 200
"""More records than one person could hold in a lifetime of doses."""
MAX_ANSWER_BYTES = 1 << 20
"""An answer of MAX_RECORDS records is some 30 kB; anything near this size is not one."""


class PeerRecord(BaseModel):
    """One dose in another municipality's answer, checked like any other input before it may
    become a record here (it reaches certificates, FHIR exports, reports and further peers):
    a vaccine of the list, a dose count of 1 to MAX_DOSE (for a seasonal vaccine the 年度 of
    its date, as the ledger keeps it), a date from EARLIEST_DOSE to today, a lot number and
    a clinic code of the shape a form's must have (the clinic code may be blank: another
    city's record need not name one)."""

    model_config = ConfigDict(extra="ignore")

    vaccine: str = Field(max_length=32)
    dose_number: int = Field(strict=True)
    vaccinated_on: date
    lot_number: str = Field(max_length=12)
    clinic_code: str = Field(default="", max_length=10)

    @field_validator("vaccine")
    @classmethod
    def _known_vaccine(cls, value: str) -> str:
        if value not in VACCINES:
            raise ValueError(f"not a vaccine of the list ({', '.join(VACCINES)})")
        return value

    @field_validator("vaccinated_on")
    @classmethod
    def _plausible_date(cls, value: date) -> date:
        if not EARLIEST_DOSE <= value <= city_today():
            raise ValueError(f"must be from {EARLIEST_DOSE.isoformat()} to today")
        return value

    @field_validator("lot_number")
    @classmethod
    def _lot_shape(cls, value: str) -> str:
        if not LOT_NUMBER.fullmatch(value):
            raise ValueError("not a lot number (4 to 12 capital letters and digits)")
        return value

    @field_validator("clinic_code")
    @classmethod
    def _clinic_shape(cls, value: str) -> str:
        if value and not CLINIC_CODE.fullmatch(value):
            raise ValueError("not a clinic code (10 digits, or blank)")
        return value

    @model_validator(mode="after")
    def _dose_in_range(self) -> PeerRecord:
        if self.vaccine in SEASONAL:
            if self.dose_number != fiscal_year(self.vaccinated_on):
                raise ValueError("dose_number of a seasonal vaccine must be the 年度 of "
                                 "vaccinated_on")
        elif not 1 <= self.dose_number <= MAX_DOSE:
            raise ValueError(f"dose_number must be 1 to {MAX_DOSE}")
        return self


class PeerAnswer(BaseModel):
    """Another municipality's answer as this city accepts it (see PeerRecord)."""

    model_config = ConfigDict(extra="ignore")

    municipality_code: str = Field(pattern=r"^[0-9]{6}$")
    found: bool = Field(strict=True)
    records: list[PeerRecord] = Field(max_length=MAX_RECORDS)

    @model_validator(mode="after")
    def _records_only_when_found(self) -> PeerAnswer:
        if not self.found and self.records:
            raise ValueError("records in an answer that did not find the person")
        return self


def _reasons(error: ValidationError, limit: int = 5) -> str:
    """The first problems by place, without the values themselves (a value may be 3 kB of
    anything, and a message is logged and shown)."""
    reasons = [f"{'.'.join(str(part) for part in problem['loc']) or 'answer'}: "
               f"{problem['msg'].removeprefix('Value error, ')}"
               for problem in error.errors(include_input=False, include_url=False)]
    more = f" (and {len(reasons) - limit} more)" if len(reasons) > limit else ""
    return "; ".join(reasons[:limit]) + more


def checked_answer(peer: Peer, answer: str | bytes | TransferAnswer) -> PeerAnswer:
    """The peer's answer if every part of it fits, else TransferFailed saying what did not:
    nothing of an answer that does not fit is imported."""
    try:
        checked = (PeerAnswer.model_validate(answer.model_dump(mode="json"))
                   if isinstance(answer, TransferAnswer) else
                   PeerAnswer.model_validate_json(answer))
    except ValidationError as error:
        raise TransferFailed(f"municipality {peer.code} answered with what this city does not "
                             f"accept, so nothing was imported: {_reasons(error)}") from None
    if checked.municipality_code != peer.code:
        raise TransferFailed(f"municipality {peer.code} answered as municipality "
                             f"{checked.municipality_code}, so nothing was imported")
    return checked


def _resident(session: Session, number: str) -> Resident | None:
    return session.scalar(select(Resident).where(
        Resident.my_number_hash == my_number.lookup_hash(number)))


def answer_query(session: Session, peer: Peer, number: str, *, direction: str = "inbound"
                 ) -> TransferAnswer:
    """Answer one query and write it to the provision record and the audit chain."""
    resident = _resident(session, number) if is_valid_my_number(number) else None
    records = [] if resident is None else list(records_of(session, resident.id))
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


def _body(peer: Peer, answer: httpx.Response) -> bytes:
    """The answer's body, read no further than MAX_ANSWER_BYTES."""
    body = bytearray()
    for block in answer.iter_bytes():
        body += block
        if len(body) > MAX_ANSWER_BYTES:
            raise TransferFailed(f"municipality {peer.code} answered with more than "
                                 f"{MAX_ANSWER_BYTES} bytes, so nothing was imported")
    return bytes(body)


def ask_peer(peer: Peer, number: str) -> PeerAnswer:
    """One query to a peer's Yoshin, over https (see ledger.transfers.peers.check_peer_url), its
    answer checked record by record; TransferFailed with a reason a person can act on."""
    settings = get_settings()
    try:
        check_peer_url(peer)
        with httpx.stream("POST", f"{peer.url}{QUERY_PATH}",
                          timeout=settings.transfer_timeout_seconds,
                          headers={"Authorization": f"Bearer {outbound_token(peer)}"},
                          json={"requester_code": settings.municipality_code,
                                "my_number": number}) as answer:
            if answer.status_code != 200:
                raise TransferFailed(f"municipality {peer.code} refused the query "
                                     f"(HTTP {answer.status_code})")
            body = _body(peer, answer)
    except PeerRefused as refused:
        raise TransferFailed(str(refused)) from refused
    except httpx.HTTPError as error:
        raise TransferFailed(f"municipality {peer.code} did not answer "
                             f"({type(error).__name__})") from error
    return checked_answer(peer, body)


@dataclass
class Imported:
    found: bool
    created: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Doses the ledger already holds, with why they were not imported."""
    mistakes: list[str] = field(default_factory=list)
    """Imported doses the schedule engine calls no valid routine dose (接種間違い), each with
    its reason: kept as the other city recorded them, marked for a person to look at."""


def import_answer(session: Session, resident: Resident, peer: Peer,
                  answer: PeerAnswer | TransferAnswer, *, actor: str, user_id: int | None
                  ) -> Imported:
    """The peer's records as this city's records of the resident (source transfer); an
    answer not yet checked is checked here (TransferFailed, nothing imported, when it does
    not fit), so no caller can store a record of another city unchecked."""
    if not isinstance(answer, PeerAnswer):
        answer = checked_answer(peer, answer)
    result = Imported(found=answer.found)
    for given in answer.records:
        verdict = judge_incoming(session, resident.id, GivenDose(
            given.vaccine, given.vaccinated_on, given.dose_number))
        mistake = "" if verdict.valid else f"{MISTAKE}: {verdict.reasons[0].text}"
        dose = Dose(resident.id, given.vaccine, given.dose_number, given.vaccinated_on,
                    given.lot_number, given.clinic_code, mistake=mistake)
        try:
            with session.begin_nested():
                record = record_dose(session, dose, source=RecordSource.TRANSFER, actor=actor,
                                     user_id=user_id, origin=peer.code)
            result.created.append(record.id)
            if mistake:
                result.mistakes.append(f"{given.vaccine} {given.dose_number} "
                                       f"({given.vaccinated_on}): {mistake}")
        except RecordRefused as refused:
            result.skipped.append(str(refused))
    session.add(Provision(direction="outbound", peer_code=peer.code, resident_id=resident.id,
                          found=answer.found, records=result.created, actor=actor,
                          detail={"skipped": len(result.skipped)}))
    audit.record(session, actor=actor, action="transfer.import", resident_id=resident.id,
                 subject=f"peer:{peer.code}",
                 detail={"found": answer.found, "created": len(result.created),
                         "skipped": len(result.skipped), "mistakes": len(result.mistakes)})
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
                  writer: csv_cells.CellWriter) -> int:
    """Answer one chunk with two queries, write its result rows; returns how many were ours."""
    hashes = {line: my_number.lookup_hash(text) for line, text in chunk
              if is_valid_my_number(text)}
    residents = {r.my_number_hash: r for r in session.scalars(
        select(Resident).where(Resident.my_number_hash.in_(set(hashes.values()))))}
    records: dict[int, list[LedgerRecord]] = defaultdict(list)
    for held in records_in_force_of_many(session, [r.id for r in residents.values()]):
        records[held.resident_id].append(held)
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
        rows: list[LedgerRecord | None] = [*given] or [None]  # found, no records: one row
        for record in rows:
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
        source_sha, name, code = bulk.input_sha256, bulk.sealed_name, bulk.peer_code
    gone = "the uploaded numbers are no longer stored; send them again"
    if source_sha is None:
        _finish(bulk_id, "failed", gone)
        return
    partial = storage.incoming_file()
    try:
        with blobs.local_copy(source_sha) as source:
            if not source.exists():
                _finish(bulk_id, "failed", gone)
                return
            _answer_file(bulk_id, code, source, name, partial)
        result_sha, _ = blobs.put_file(partial)
    finally:
        partial.unlink(missing_ok=True)
    _finish(bulk_id, "done", result_sha256=result_sha)
    blobs.remove(source_sha)  # the numbers are answered: they are kept no longer


def _answer_file(bulk_id: int, code: str, source: Path, name: str, out_path: Path) -> None:
    """Answer the sealed numbers at `source` chunk by chunk (a commit each, so progress
    shows), writing the results to `out_path`."""
    numbers = storage.read_sealed_lines(source, name)  # the waiting numbers are kept sealed
    with closing(numbers), storage.open_private_text(out_path) as out:
        writer = csv_cells.writer(out)  # a peer opens the results in a spreadsheet
        writer.writerow(RESULT_COLUMNS)
        for chunk in _chunks(numbers, BULK_CHUNK):
            with session_scope() as session:
                peer = session.scalar(select(Peer).where(Peer.code == code))
                if peer is None:
                    raise LookupError(f"bulk query {bulk_id}: peer {code} no longer exists")
                found = _answer_chunk(session, peer, bulk_id, chunk, writer)
                bulk = _bulk(session, bulk_id)
                bulk.processed += len(chunk)
                bulk.found += found


def _bulk(session: Session, bulk_id: int) -> BulkQuery:
    """The bulk query being answered; it is never deleted while its task runs."""
    bulk = session.get(BulkQuery, bulk_id)
    if bulk is None:
        raise LookupError(f"bulk query {bulk_id} no longer exists")
    return bulk


def _finish(bulk_id: int, state: str, error: str = "", result_sha256: str | None = None
            ) -> None:
    with session_scope() as session:
        bulk = _bulk(session, bulk_id)
        bulk.state, bulk.error, bulk.finished_at = state, error, utcnow()
        if result_sha256 is not None:
            bulk.result_sha256, bulk.input_sha256 = result_sha256, None
        audit.record(session, actor=f"peer-{bulk.peer_code}", action=f"transfer.bulk.{state}",
                     subject=f"bulk:{bulk.id}",
                     detail={"queries": bulk.processed, "found": bulk.found})


def recent_provisions(session: Session, limit: int) -> Sequence[Provision]:
    """The provision record (情報提供等記録), newest first."""
    return session.scalars(select(Provision).order_by(Provision.id.desc()).limit(limit)).all()


def request_from_peer(session: Session, *, resident: Resident, peer_code: str, actor: str,
                      user_id: int | None, before_waiting: Callable[[], None] = lambda: None
                      ) -> Imported:
    """Ask the former municipality for a resident who moved in and import what comes back.
    A query that brought nothing in is on record too, with its reason (which names the peer
    and what did not fit, never a number or a value), since an answer refused for not
    fitting may be a peer misbehaving; nothing of a half-imported answer stays.

    `before_waiting` runs once everything the query needs is read and before the peer is
    asked: a route ends its read-only transaction there, so that no pooled connection waits
    for another municipality's answer (up to transfer_timeout_seconds)."""
    if resident.my_number_encrypted is None:
        raise NoNumberToAsk(f"resident {resident.id} has no My Number to ask with")
    peer = peer_by_code(session, peer_code)
    resident_id, number = resident.id, my_number.decrypt(resident.my_number_encrypted)
    before_waiting()
    try:
        return import_answer(session, resident, peer, ask_peer(peer, number), actor=actor,
                             user_id=user_id)
    except TransferFailed as failed:
        session.rollback()
        audit.record(session, actor=actor, action="transfer.request.failed",
                     resident_id=resident_id, subject=f"peer:{peer_code}",
                     detail={"reason": str(failed)})
        raise
