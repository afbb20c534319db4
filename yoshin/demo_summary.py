"""The demo's closing summary: what happened to each page of the batch."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from models import LedgerRecord, Page
from models.db import session_scope


def summarise(batch_id: int, console: Console) -> tuple[int, int]:
    """Print pages by state and the records they became; returns (pages, records)."""
    with session_scope() as session:
        states = Counter(session.scalars(select(Page.state).where(Page.batch_id == batch_id)))
        records = session.scalar(
            select(func.count()).select_from(LedgerRecord)
            .join(Page, LedgerRecord.page_id == Page.id).where(Page.batch_id == batch_id)
        ) or 0
    table = Table(title=f"batch {batch_id}")
    table.add_column("state")
    table.add_column("pages", justify="right")
    for state, count in sorted(states.items()):
        table.add_row(state, str(count))
    console.print(table)
    return sum(states.values()), records
