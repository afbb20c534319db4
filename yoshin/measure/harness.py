"""What every measuring command shares: a throw-away Yoshin installation inside this
process (its own home, database and queue, so `yoshin eval`, `yoshin bench` and the load
test never touch the real ledger), pages stored into it, and the processes it starts watched
(their memory, an API come up)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import select

from intake.batches import create_batch, received_files
from intake.splitting import split_page
from models import User
from models.db import session_scope
from models.settings import get_settings

CHUNK = 25
"""Pages stored per transaction: a batch of a scanning desk's usual size."""


@contextmanager
def isolated_home(home: Path, database_url: str | None = None,
                  broker_url: str | None = None) -> Iterator[dict[str, str]]:
    """Point the settings at `home` (and the given servers) until the block ends; yields the
    environment a subprocess needs to join the same installation."""
    wanted = {"YOSHIN_HOME": str(home), "YOSHIN_DATABASE_URL": database_url,
              "YOSHIN_BROKER_URL": broker_url}
    saved = {key: os.environ.get(key) for key in wanted}
    _apply(wanted)
    try:
        yield dict(os.environ)
    finally:
        _apply(saved)


def _apply(values: dict[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


def store_pages(pages: Sequence[Path], *, username: str, queue: bool) -> Iterator[list[int]]:
    """Store the pages as batches of `username`, CHUNK at a time; yields each batch's page ids
    (queued for the workers when `queue`; else split here and left for the caller to read
    in-process)."""
    for start in range(0, len(pages), CHUNK):
        with received_files(pages[start:start + CHUNK]) as chunk, session_scope() as session:
            user = session.scalars(select(User).where(User.username == username)).one()
            batch = create_batch(session, user, chunk, username, queue=queue)
            ids = [page.id for page in batch.pages]
        if not queue:
            for page_id in ids:
                split_page(page_id, queue=False)
        yield ids


def descendants(pid: int) -> list[int]:
    """The process and all its children, found in /proc (a worker's pool forks its own)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_api(client: httpx.Client, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if client.get("/health").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the API did not start")
