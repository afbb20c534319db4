"""The audit log: append-only and hash-chained, so a removed or altered entry is detectable.

Each entry's hash covers the previous entry's hash and its own content. Writers take a lock
on the chain (an advisory lock on PostgreSQL; SQLite transactions begin IMMEDIATE and so are
serialised already) so two transactions never chain onto the same predecessor, and a unique
predecessor column makes a fork impossible even if they tried. Details never hold a My
Number or health data: they name what was touched (ids, field keys), not its contents.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

GENESIS = "0" * 64
_CHAIN_LOCK = 0x59534E41  # "YSNA": the advisory lock id of the audit chain


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


def _digest(prev_hash: str, at: datetime, actor: str, action: str, resident_id: int | None,
            subject: str, detail: dict[str, Any]) -> str:
    body = json.dumps(
        [prev_hash, _stamp(at), actor, action, resident_id, subject, detail],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(session: Session, *, actor: str, action: str, resident_id: int | None = None,
           subject: str = "", detail: dict[str, Any] | None = None) -> AuditEvent:
    """Append one entry; it becomes visible with the caller's commit, or never."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    at = utcnow().replace(microsecond=0)
    detail = detail or {}
    event = AuditEvent(
        at=at, actor=actor, action=action, resident_id=resident_id, subject=subject,
        detail=detail, prev_hash=prev or GENESIS,
        hash=_digest(prev or GENESIS, at, actor, action, resident_id, subject, detail),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    problem: str


def verify(session: Session) -> tuple[int, list[ChainProblem]]:
    """Walk the whole chain; returns how many entries were checked and what is wrong."""
    problems: list[ChainProblem] = []
    prev = GENESIS
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        count += 1
        if event.prev_hash != prev:
            problems.append(ChainProblem(event.id, "does not follow the entry before it"))
        expected = _digest(event.prev_hash, event.at, event.actor, event.action,
                           event.resident_id, event.subject, event.detail)
        if event.hash != expected:
            problems.append(ChainProblem(event.id, "content does not match its hash"))
        prev = event.hash
    return count, problems


def export(session: Session, since: datetime, until: datetime) -> Iterator[dict[str, Any]]:
    """The entries of a period with their chain hashes, for the yearly self-check: anyone
    holding the export can recompute each hash and see that the entries follow each other."""
    query = select(AuditEvent).where(AuditEvent.at >= since, AuditEvent.at < until) \
        .order_by(AuditEvent.id).execution_options(yield_per=1000)
    for event in session.scalars(query):
        yield {"id": event.id, "at": _stamp(event.at), "actor": event.actor,
               "action": event.action, "resident_id": event.resident_id,
               "subject": event.subject, "detail": event.detail,
               "prev_hash": event.prev_hash, "hash": event.hash}
