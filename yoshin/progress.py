"""Storing files and watching their pages being read, with progress a person can follow."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from intake.batches import StoredBlobs, create_batch, received_files
from models import Batch, Page, User
from models.db import session_scope
from models.page_state import WORK_DONE, PageState

SUPPORTED = {".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg"}
STALL_HINT_SECONDS = 60


def expand(paths: list[Path]) -> list[Path]:
    """Files as given, and the supported files inside folders, in name order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in SUPPORTED)
        else:
            found.append(path)
    return found


def store_batch(paths: list[Path], username: str, label: str, console: Console) -> int:
    """Everything is stored and queued as one batch, or nothing is (the upload's own rule)."""
    blobs = StoredBlobs()
    try:
        with received_files(paths) as uploads, session_scope() as session, \
                console.status(f"storing {len(paths)} files…"):
            user = session.scalar(select(User).where(User.username == username))
            if user is None or not user.active:
                raise SystemExit(f"no active user {username}: see `yoshin users create`")
            batch = create_batch(session, user, uploads, label, blobs)
            batch_id, pages = batch.id, len(batch.pages)
    except BaseException:
        blobs.discard()
        raise
    console.print(f"batch {batch_id}: {len(paths)} files, {pages} pages stored and queued")
    return batch_id


@dataclass(frozen=True)
class BatchState:
    total: int
    done: int
    counts: Counter[str]

    @property
    def split(self) -> int:
        """Pages rendered from their file so far (the rest wait `received`)."""
        return self.total - self.counts.get(PageState.RECEIVED, 0)


def batch_state(batch_id: int) -> BatchState:
    with session_scope() as session:
        states = Counter(session.scalars(select(Page.state).where(Page.batch_id == batch_id)))
        if session.get(Batch, batch_id) is None:
            raise SystemExit(f"no batch {batch_id}")
    done = sum(n for state, n in states.items() if state in WORK_DONE)
    return BatchState(sum(states.values()), done, states)


def watch(batch_id: int, console: Console, timeout: float = 3600) -> BatchState:
    """Show pages being split from their files and read, until each has been read or has
    failed."""
    state = batch_state(batch_id)
    last_change, last_moved, hinted = time.monotonic(), -1, False
    columns = (TextColumn("{task.description:>9}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.fields[detail]}"))
    with Progress(*columns, console=console) as progress:
        splitting = progress.add_task("splitting", total=state.total, detail="")
        reading = progress.add_task("reading", total=state.total, detail="")
        started = time.monotonic()
        while True:
            state = batch_state(batch_id)
            detail = " ".join(f"{k}={v}" for k, v in sorted(state.counts.items()))
            progress.update(splitting, completed=state.split)
            progress.update(reading, completed=state.done, detail=detail)
            if state.done >= state.total:
                return state
            now = time.monotonic()
            moved = state.split + state.done
            if moved != last_moved:
                last_change, last_moved = now, moved
            elif now - last_change > STALL_HINT_SECONDS and not hinted:
                console.print("no page has moved for a minute: is a worker running? "
                              "(start one with `yoshin worker`)")
                hinted = True
            if now - started > timeout:
                return state
            time.sleep(0.5)
