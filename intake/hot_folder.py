"""A watched folder (hot folder): every scan a multifunction printer drops into a folder is
ingested as a batch, then moved to `done/`, or to `failed/` beside a reason file.

A file is taken only once it has stopped growing (its size and modification time unchanged
for `settle_seconds`): a printer writing over SMB takes seconds to finish a large PDF. It is
moved only after the batch's commit, so a watcher killed at any moment leaves the scan
either stored once or still waiting: killed before the commit, nothing of it was kept and it
is taken again; killed after the commit and before the move, taking it again finds the same
file already stored (by its hash) and only moves it to `done/`. Paperless-ngx's consume
folder is the model users know.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from intake.batches import create_batch, received_files
from intake.errors import AlreadyUploaded, UploadRejected
from models import User
from models.db import session_scope

DONE, FAILED = "done", "failed"
REASON_SUFFIX = ".reason.txt"
SKIPPED_PREFIXES = (".", "~")
SKIPPED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", REASON_SUFFIX)
"""Names a scanner or a copy gives a file it is still writing, and our own reason files."""


@dataclass(frozen=True)
class Outcome:
    """What became of one file: `done` (stored now, or found stored already) or `failed`."""

    name: str
    moved_to: Path
    batch_id: int | None
    reason: str = ""


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float


@dataclass
class HotFolder:
    folder: Path
    username: str
    settle_seconds: float = 5.0
    label: str = ""
    _seen: dict[Path, _Seen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for sub in (DONE, FAILED):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)

    def waiting(self) -> list[Path]:
        """The files waiting in the folder, oldest name first (not the done/failed folders,
        hidden files or files a writer has not finished naming)."""
        return sorted(path for path in self.folder.iterdir() if path.is_file()
                      and not path.name.startswith(SKIPPED_PREFIXES)
                      and not path.name.lower().endswith(SKIPPED_SUFFIXES))

    def settled(self, now: float) -> list[Path]:
        """The waiting files whose size and modification time have not changed for
        `settle_seconds` (first seen now: not yet)."""
        ready, present = [], set()
        for path in self.waiting():
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            present.add(path)
            seen = self._seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (stat.st_size, stat.st_mtime_ns):
                self._seen[path] = _Seen(stat.st_size, stat.st_mtime_ns, now)
            elif now - seen.since >= self.settle_seconds:
                ready.append(path)
        for gone in set(self._seen) - present:
            del self._seen[gone]
        return ready

    def take(self, path: Path) -> Outcome:
        """Ingest one settled file as a batch and move it; the move follows the commit."""
        try:
            with received_files([path]) as uploads, session_scope() as session:
                user = session.scalar(select(User).where(User.username == self.username))
                if user is None or not user.active:
                    raise SystemExit(f"no active user {self.username}: the watched folder "
                                     "needs one (see `yoshin users create`)")
                batch = create_batch(session, user, uploads, self.label or self.folder.name)
                batch_id = batch.id
        except AlreadyUploaded as stored:
            return self._move(path, DONE, stored.batch_id, stored.message)
        except UploadRejected as refused:
            return self._move(path, FAILED, None, refused.message)
        return self._move(path, DONE, batch_id)

    def poll(self, now: float, on_outcome: Callable[[Outcome], None]) -> int:
        """Take every settled file; returns how many were taken."""
        taken = 0
        for path in self.settled(now):
            self._seen.pop(path, None)
            on_outcome(self.take(path))
            taken += 1
        return taken

    def _move(self, path: Path, where: str, batch_id: int | None, reason: str = "") -> Outcome:
        target = _free_name(self.folder / where, path.name)
        if reason:
            note = target.with_name(target.name + REASON_SUFFIX)
            note.write_text(reason + "\n", encoding="utf-8")
        os.replace(path, target)
        return Outcome(path.name, target, batch_id, reason)


def _free_name(folder: Path, name: str) -> Path:
    """`folder/name`, or `name` with -1, -2… before its suffix when that is taken (a second
    scan that the printer named as the first)."""
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 0
    while target.exists():
        number += 1
        target = folder / f"{stem}-{number}{suffix}"
    return target
