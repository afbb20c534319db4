"""Other municipalities (peers) and the provision record (情報提供等記録) of what was sent to or
received from them.

A peer calls this city's API as a user of role `peer` with an API token; the Peer row ties
that account to the municipality's 自治体コード, so a caller can never ask in another
municipality's name. The token this city presents when it asks the peer is kept encrypted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, Timestamped, utcnow
from models.users import User


class Peer(Timestamped, Base):
    __tablename__ = "peers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    url: Mapped[str] = mapped_column(String(256))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    outbound_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)

    user: Mapped[User] = relationship()


def peer_of(session: Session, user: User) -> Peer | None:
    """The municipality a peer account speaks for; None for any other account."""
    return session.scalar(select(Peer).where(Peer.user_id == user.id))


class Provision(Base):
    """One answer given to, or received from, another municipality: who asked, when, about
    whom (only when the person is ours) and which records went. A My Number is never kept."""

    __tablename__ = "provisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    direction: Mapped[str] = mapped_column(String(16))
    peer_code: Mapped[str] = mapped_column(String(6))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    found: Mapped[bool]
    records: Mapped[list[int]] = mapped_column(JSON, default=list)
    actor: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    bulk_id: Mapped[int | None] = mapped_column(ForeignKey("bulk_queries.id"))


class BulkQuery(Timestamped, Base):
    """A peer's CSV of My Numbers answered in the queue (the VRS-style bulk path). The
    uploaded numbers are stored (sealed) as `input_sha256` only until they are answered; the
    results file, `result_sha256`, names each query by its line, never by its number. Both
    are kept in the blob store, so the worker answering may run on another machine."""

    __tablename__ = "bulk_queries"

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_code: Mapped[str] = mapped_column(String(6))
    state: Mapped[str] = mapped_column(String(16), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    found: Mapped[int] = mapped_column(default=0)
    input_sha256: Mapped[str | None] = mapped_column(String(64))
    result_sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None]

    @property
    def sealed_name(self) -> str:
        """The name its numbers are sealed under: bound into every chunk, so a stored file
        opens only as the numbers of its own query."""
        return f"bulk-{self.id}.numbers"
