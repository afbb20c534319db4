"""The audit log: append-only and hash-chained, so a removed or altered entry is detectable.

Each entry's hash is an HMAC-SHA256, keyed with a key derived from the service's secret key
file (never stored in the database), over the previous entry's hash and the entry's own
content: whoever can write the database but not read the key file can neither change an
entry and rehash the ones after it, nor append entries of their own that pass.

A chain alone cannot show that its newest entries were cut off. So the head of the chain
(its last entry's id and hash, and how many entries lead up to it) is written now and then
as a signed checkpoint to an append-only file outside the database (`write_checkpoint`, run
by beat every `audit_checkpoint_every_seconds` and by `yoshin audit checkpoint`); `verify`
then also requires the database to still hold every checkpointed head.

Entries written before the chain was keyed carry plain SHA-256 hashes. They are accepted
only as the chain's first entries and only up to the `legacy_until` id that a signed
checkpoint records (the first checkpoint after the upgrade fixes it); a plain hash anywhere
else is refused, since anyone can compute one.

Writers take a lock on the chain (an advisory lock on PostgreSQL; SQLite transactions begin
IMMEDIATE and so are serialised already) so two transactions never chain onto the same
predecessor, and a unique predecessor column makes a fork impossible even if they tried.
Details never hold a My Number or health data: they name what was touched (ids, field
keys), not its contents.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, String, func, select, text
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from models.base import Base, utcnow
from models.keys import audit_chain_key, audit_checkpoint_key
from models.settings import get_settings
from models.storage import private_dir

GENESIS = "0" * 64
_CHAIN_LOCK = 0x59534E41  # "YSNA": the advisory lock id of the audit chain
CHECKPOINT_VERSION = 1
log = logging.getLogger("yoshin.audit")


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    resident_id: Mapped[int | None]
    subject: Mapped[str] = mapped_column(String(128), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)  # the chain never forks
    hash: Mapped[str] = mapped_column(String(64), unique=True)


def _stamp(at: datetime) -> str:
    """The same text for a time whether the database kept its zone (PostgreSQL) or not."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _canonical(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def _body(prev_hash: str, at: datetime, actor: str, action: str, resident_id: int | None,
          subject: str, detail: dict[str, Any]) -> bytes:
    return _canonical([prev_hash, _stamp(at), actor, action, resident_id, subject, detail])


def _digest(prev_hash: str, at: datetime, actor: str, action: str, resident_id: int | None,
            subject: str, detail: dict[str, Any], *, key: bytes | None = None) -> str:
    """The entry's keyed hash: HMAC-SHA256 under the audit chain key."""
    body = _body(prev_hash, at, actor, action, resident_id, subject, detail)
    return hmac.new(key or audit_chain_key(), body, hashlib.sha256).hexdigest()


def _plain_digest(event: AuditEvent) -> str:
    """The unkeyed SHA-256 of entries written before the chain was keyed."""
    return hashlib.sha256(_body(event.prev_hash, event.at, event.actor, event.action,
                                event.resident_id, event.subject, event.detail)).hexdigest()


def _event_digest(event: AuditEvent, key: bytes) -> str:
    return _digest(event.prev_hash, event.at, event.actor, event.action, event.resident_id,
                   event.subject, event.detail, key=key)


def history_of(session: Session, resident_id: int, *, limit: int) -> Sequence[AuditEvent]:
    """The latest entries about one person, newest first: who read or changed what of them."""
    return session.scalars(select(AuditEvent).where(AuditEvent.resident_id == resident_id)
                           .order_by(AuditEvent.id.desc()).limit(limit)).all()


_PENDING = "yoshin.audit_pending"


@dataclass(frozen=True)
class _Pending:
    entry: AuditEvent
    savepoint: SessionTransaction | None
    """The savepoint it was recorded in: rolled back, it takes the entry with it."""


def record(session: Session, *, actor: str, action: str, resident_id: int | None = None,
           subject: str = "", detail: dict[str, Any] | None = None) -> AuditEvent:
    """Append one entry; it becomes visible with the caller's commit, or never (a rollback,
    or the rollback of the savepoint it was recorded in, drops it).

    The entry is chained and written inside that commit, not here: the chain's lock is then
    held only while the commit runs, on the thread that runs it. Held from here on, a
    request whose commit runs on another thread (FastAPI runs a dependency's teardown on the
    thread pool) kept the lock while waiting for a free thread, and under load every thread
    was waiting for the lock: transfer queries and uploads stopped until the pool timed out.
    """
    entry = AuditEvent(at=utcnow().replace(microsecond=0), actor=actor, action=action,
                       resident_id=resident_id, subject=subject, detail=detail or {})
    if not orm_event.contains(session, "before_commit", _append_pending):
        orm_event.listen(session, "before_commit", _append_pending)
        orm_event.listen(session, "after_soft_rollback", _forget_rolled_back)
    session.info.setdefault(_PENDING, []).append(
        _Pending(entry, session.get_nested_transaction()))
    return entry


def _append_pending(session: Session) -> None:
    """Chain the transaction's entries onto the head, under the chain's lock (an advisory
    lock on PostgreSQL; SQLite transactions are serialised already). A savepoint's release
    also fires this event: its entries wait for the transaction's own commit."""
    if session.in_nested_transaction():
        return
    pending: list[_Pending] = session.info.pop(_PENDING, [])
    if not pending:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    for item in pending:
        entry = item.entry
        entry.prev_hash = prev or GENESIS
        entry.hash = _digest(entry.prev_hash, entry.at, entry.actor, entry.action,
                             entry.resident_id, entry.subject, entry.detail)
        session.add(entry)
        prev = entry.hash
    session.flush()


def _inside(savepoint: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    while savepoint is not None:
        if savepoint is rolled_back:
            return True
        savepoint = savepoint.parent
    return False


def _forget_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A rolled-back transaction's entries are never written, nor a rolled-back savepoint's."""
    if not previous.nested:
        session.info.pop(_PENDING, None)
        return
    kept = [item for item in session.info.get(_PENDING, [])
            if not _inside(item.savepoint, previous)]
    session.info[_PENDING] = kept


# --- checkpoints: the head of the chain, anchored outside the database -------------------

@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at `at`: entry `event_id` had `hash` and was the `count`th entry;
    entries up to `legacy_until` may carry plain hashes from before the chain was keyed."""

    event_id: int
    hash: str
    count: int
    legacy_until: int
    at: str

    def fields(self) -> dict[str, Any]:
        return {"v": CHECKPOINT_VERSION, "id": self.event_id, "hash": self.hash,
                "count": self.count, "legacy_until": self.legacy_until, "at": self.at}

    def line(self) -> str:
        """One JSON line, signed with the checkpoint key."""
        fields = self.fields()
        return json.dumps({**fields, "mac": _checkpoint_mac(fields)}, sort_keys=True) + "\n"


def _checkpoint_mac(fields: dict[str, Any]) -> str:
    return hmac.new(audit_checkpoint_key(), _canonical(fields), hashlib.sha256).hexdigest()


def checkpoint_path() -> Path:
    settings = get_settings()
    return settings.audit_checkpoint_file or settings.resolved_home / "audit-checkpoints.jsonl"


def parse_checkpoint(line: str) -> Checkpoint | None:
    """The checkpoint a line holds if its signature is ours; None for anything else."""
    try:
        data = json.loads(line)
        mac = data.pop("mac")
        if not isinstance(mac, str) or data.get("v") != CHECKPOINT_VERSION:
            return None
        if not hmac.compare_digest(mac, _checkpoint_mac(data)):
            return None
        return Checkpoint(event_id=int(data["id"]), hash=str(data["hash"]),
                          count=int(data["count"]), legacy_until=int(data["legacy_until"]),
                          at=str(data["at"]))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def read_checkpoints(path: Path) -> list[tuple[int, Checkpoint | None]]:
    """Every non-empty line of the file with its number: the checkpoint, or None when the
    line is not one we signed."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [(number, parse_checkpoint(line))
            for number, line in enumerate(lines, start=1) if line.strip()]


def _legacy_prefix_end(session: Session) -> int:
    """The id of the last entry before the first keyed one: the plain-hash entries an
    upgraded database began with (0 on a database that was keyed from its first entry)."""
    key = audit_chain_key()
    last = 0
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    for event in session.scalars(query):
        if hmac.compare_digest(event.hash, _event_digest(event, key)):
            return last
        last = event.id
    return last


def write_checkpoint(session: Session, path: Path | None = None) -> Checkpoint:
    """Append a signed checkpoint of the chain's head to the checkpoint file (made 0600) and
    to the `yoshin.audit` log. The head is read before its count: every entry up to it was
    committed under the chain lock before it, so the count cannot move afterwards."""
    path = path or checkpoint_path()
    head = session.execute(select(AuditEvent.id, AuditEvent.hash)
                           .order_by(AuditEvent.id.desc()).limit(1)).first()
    head_id, head_hash = (head[0], head[1]) if head else (0, GENESIS)
    count = session.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.id <= head_id)) or 0
    earlier = [c for _, c in read_checkpoints(path) if c is not None]
    legacy_until = max(c.legacy_until for c in earlier) if earlier \
        else _legacy_prefix_end(session)
    checkpoint = Checkpoint(event_id=head_id, hash=head_hash, count=count,
                            legacy_until=legacy_until, at=_stamp(utcnow()))
    _append(path, checkpoint.line())
    log.info("audit checkpoint %s", checkpoint.line().strip())
    return checkpoint


def _append(path: Path, line: str) -> None:
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())  # one write of one line: appends never interleave
        os.fsync(fd)
    finally:
        os.close(fd)


# --- verification ------------------------------------------------------------------------

@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    problem: str
    checkpoint_line: int | None = None
    """Set when the problem was found by a checkpoint: its line in the checkpoint file."""


@dataclass
class ChainReport:
    count: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    checkpoints: int = 0
    legacy: int = 0
    """Entries accepted with plain hashes from before the chain was keyed."""
    notes: list[str] = field(default_factory=list)
    """What verify could not check, said plainly (no checkpoint file, for one)."""


@dataclass
class _Seen:
    """What the walk saw of one checkpointed entry: its hash, and how many entries up to it."""

    hash: str | None = None
    count: int = 0


def check(session: Session, path: Path | None = None) -> ChainReport:
    """Walk the whole chain once: every entry must follow the one before it and carry its
    keyed hash (or a plain one inside the checkpointed legacy prefix), and every signed
    checkpoint's head must still be there, with the same hash and the same count."""
    path = path or checkpoint_path()
    report = ChainReport()
    lines = read_checkpoints(path)
    valid = [(number, c) for number, c in lines if c is not None]
    for number, parsed in lines:
        if parsed is None:
            report.problems.append(ChainProblem(0, "not a checkpoint signed with this "
                                                   "installation's key (altered or foreign)",
                                                checkpoint_line=number))
    if not path.exists():
        report.notes.append(f"no checkpoint file at {path}: entries cut from the end of the "
                            "log cannot be detected until `yoshin audit checkpoint` has run")
    legacy_until = max((c.legacy_until for _, c in valid), default=0)
    seen = {c.event_id: _Seen() for _, c in valid}
    _walk(session, report, legacy_until, seen)
    for number, c in valid:
        report.checkpoints += 1
        problem = _checkpoint_problem(c, seen[c.event_id])
        if problem:
            report.problems.append(ChainProblem(c.event_id, problem, checkpoint_line=number))
    return report


def _walk(session: Session, report: ChainReport, legacy_until: int,
          seen: dict[int, _Seen]) -> None:
    key = audit_chain_key()
    waiting = sorted(i for i in seen if i > 0)  # checkpointed ids not yet passed
    prev, keyed_seen = GENESIS, False
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    for event in session.scalars(query):
        while waiting and waiting[0] < event.id:  # a checkpointed id the walk skipped
            seen[waiting.pop(0)].count = report.count
        report.count += 1
        if waiting and waiting[0] == event.id:
            seen[waiting.pop(0)] = _Seen(hash=event.hash, count=report.count)
        if event.prev_hash != prev:
            report.problems.append(ChainProblem(event.id, "does not follow the entry before "
                                                          "it (an entry removed or inserted)"))
        prev = event.hash
        if hmac.compare_digest(event.hash, _event_digest(event, key)):
            keyed_seen = True
        elif event.hash != _plain_digest(event):
            report.problems.append(ChainProblem(event.id, "content does not match its keyed "
                                                          "hash (changed, or rehashed without "
                                                          "this installation's key)"))
        elif keyed_seen:
            report.problems.append(ChainProblem(event.id, "carries a plain SHA-256 hash after "
                                                          "the keyed chain began: rewritten "
                                                          "without the key"))
        elif event.id > legacy_until:
            report.problems.append(ChainProblem(
                event.id, "carries a plain SHA-256 hash that no checkpoint vouches for "
                          "(entries from before the keyed chain are accepted only up to a "
                          "checkpoint's legacy_until: after upgrading, run `yoshin audit "
                          "checkpoint` once)"))
        else:
            report.legacy += 1
    for remaining in waiting:
        seen[remaining].count = report.count


def _checkpoint_problem(c: Checkpoint, seen: _Seen) -> str | None:
    where = f"checkpoint of {c.at} (entry {c.event_id}, {c.count} entries)"
    if c.event_id == 0:
        return None
    if seen.hash is None:
        return (f"{where}: entry {c.event_id} is gone, {seen.count} entries remain up to it "
                "(the log was cut back)")
    if seen.hash != c.hash:
        return (f"{where}: entry {c.event_id} no longer has the checkpointed hash (it or an "
                "entry before it was rewritten, or the log was cut and refilled)")
    if seen.count != c.count:
        return (f"{where}: {seen.count} entries up to entry {c.event_id} now "
                "(entries before it were removed or inserted)")
    return None


def verify(session: Session) -> tuple[int, list[ChainProblem]]:
    """Walk the whole chain; returns how many entries were checked and what is wrong."""
    report = check(session)
    return report.count, report.problems


def export(session: Session, since: datetime, until: datetime) -> Iterator[dict[str, Any]]:
    """The entries of a period with their chain hashes, for the yearly self-check: anyone
    holding the export can see that the entries follow each other; recomputing a hash takes
    the audit chain key (`yoshin audit verify` does it where the key is)."""
    query = select(AuditEvent).where(AuditEvent.at >= since, AuditEvent.at < until) \
        .order_by(AuditEvent.id).execution_options(yield_per=1000)
    for event in session.scalars(query):
        yield {"id": event.id, "at": _stamp(event.at), "actor": event.actor,
               "action": event.action, "resident_id": event.resident_id,
               "subject": event.subject, "detail": event.detail,
               "prev_hash": event.prev_hash, "hash": event.hash}
