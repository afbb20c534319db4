"""What the intake endpoints answer: a batch and the progress of each of its pages."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from pydantic import BaseModel

from models import Batch
from models.page_state import FINAL, WORK_DONE, PageState


class PageProgress(BaseModel):
    id: int
    sequence: int
    document: str
    page_number: int
    state: str
    reason: str
    attempts: int


class BatchOut(BaseModel):
    id: int
    label: str
    created_at: datetime
    total: int
    split: int
    """Pages rendered from their file; the rest are still being split in the queue."""
    read: int
    finished: int
    counts: dict[str, int]
    pages: list[PageProgress]


def batch_out(batch: Batch) -> BatchOut:
    names = {d.id: d.filename for d in batch.documents}
    states = Counter(page.state for page in batch.pages)
    return BatchOut(
        id=batch.id, label=batch.label, created_at=batch.created_at, total=len(batch.pages),
        split=len(batch.pages) - states.get(PageState.RECEIVED, 0),
        read=sum(n for state, n in states.items() if state in WORK_DONE),
        finished=sum(n for state, n in states.items() if state in FINAL),
        counts=dict(states),
        pages=[
            PageProgress(id=p.id, sequence=p.sequence, document=names[p.document_id],
                         page_number=p.page_number, state=p.state, reason=p.state_reason,
                         attempts=p.attempts)
            for p in batch.pages
        ],
    )
