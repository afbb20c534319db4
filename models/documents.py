"""What scanning staff upload: batches of documents, each split into pages, each page read
into field values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, Timestamped, utcnow
from models.page_state import PageState, check_transition


class FieldSource(StrEnum):
    OCR = "ocr"
    REGISTER = "register"
    """The city's own records (register, tickets, lot master) confirmed what was read."""
    REVIEWER = "reviewer"
    CLINIC = "clinic"


PRECEDENCE = {FieldSource.OCR: 0, FieldSource.REGISTER: 1, FieldSource.CLINIC: 2,
              FieldSource.REVIEWER: 3}


class Batch(Timestamped, Base):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    documents: Mapped[list[Document]] = relationship(back_populates="batch", order_by="Document.id")
    pages: Mapped[list[Page]] = relationship(back_populates="batch", order_by="Page.sequence")


class Document(Timestamped, Base):
    """One uploaded file, stored under its SHA-256 so a second upload of it is recognised."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    page_count: Mapped[int]

    batch: Mapped[Batch] = relationship(back_populates="documents")


class Page(Timestamped, Base):
    __tablename__ = "pages"
    __table_args__ = (Index("ix_pages_state", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    sequence: Mapped[int]
    page_number: Mapped[int]
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    """None until the queue has rendered the page from its document (state `received`)."""
    registered_sha256: Mapped[str | None] = mapped_column(String(64))
    """The page straightened onto its form by the reader: field boxes are in its pixels."""
    state: Mapped[str] = mapped_column(String(16), default=PageState.RECEIVED)
    state_reason: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    form_id: Mapped[str | None] = mapped_column(String(64))
    form_version: Mapped[int | None]
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    resident_matched_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who last put the page on another resident by hand; None while the reader's match
    stands. A hand match is a change a second person checks, like a corrected value."""
    reader_resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    """The reader's match (None: no unique match), kept when a person first matches by hand,
    so the second check can show what was changed."""
    lease_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lease_until: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    read_at: Mapped[datetime | None]
    timings: Mapped[dict[str, float] | None] = mapped_column(JSON)
    image_purged_at: Mapped[datetime | None]
    """When the retention period removed the page's images; its values stay."""
    follow_up: Mapped[list[str] | None] = mapped_column(JSON)
    """Keys of the answers the reader doubted on a page that went into the ledger without
    waiting: the form says they do not hold the record back, so a person looks at them after."""
    followed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    followed_up_at: Mapped[datetime | None]

    batch: Mapped[Batch] = relationship(back_populates="pages")
    document: Mapped[Document] = relationship()
    fields: Mapped[list[FieldValue]] = relationship(
        back_populates="page", cascade="all, delete-orphan", order_by="FieldValue.position"
    )

    def current_fields(self) -> dict[str, FieldValue]:
        """The value of each field that counts: a person's correction over the records'
        confirmation over the machine's reading."""
        current: dict[str, FieldValue] = {}
        for field in self.fields:
            held = current.get(field.key)
            if held is None or PRECEDENCE[FieldSource(field.source)] > PRECEDENCE[
                    FieldSource(held.source)]:
                current[field.key] = field
        return dict(sorted(current.items(), key=lambda item: item[1].position))

    def move_to(self, target: PageState, reason: str = "") -> None:
        """Change state through the one state machine; the reason is what a person will read."""
        check_transition(self.state, target)
        self.state = target
        self.state_reason = reason


class FieldValue(Timestamped, Base):
    """One value of one field; the reviewer's value, when there is one, wins over the machine's."""

    __tablename__ = "field_values"
    __table_args__ = (UniqueConstraint("page_id", "key", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    value: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float | None]
    source: Mapped[str] = mapped_column(String(16))
    box: Mapped[list[int] | None] = mapped_column(JSON)
    problem: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    page: Mapped[Page] = relationship(back_populates="fields")


def recent_batches(session: Session, limit: int) -> Sequence[Batch]:
    """The newest batches first: the scanning desk's list, on the API and the screen."""
    return session.scalars(select(Batch).order_by(Batch.id.desc()).limit(limit)).all()
