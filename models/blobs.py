"""Uploaded files and page images, kept where the settings say (`blob_store`).

`files`, the embedded default, is the content-addressed folder of `models.storage`, which
every process must share. `database` keeps them in PostgreSQL (`models.blob_parts`), so an
API and workers on several machines, whose homes share nothing, reach the same files; a
machine that needs a stored file as a file (poppler splitting a PDF, a notice run's PDF
downloaded) keeps a private local copy while it uses it.

A file is written on a connection of its own, never in the caller's transaction, as a file
on disk is: it is whole before any row names it, and one left behind by a refused upload or
a crash is unreferenced, as an orphan file would be. Everything is addressed by SHA-256, so
storing the same content twice stores it once.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from models import storage
from models.blob_parts import PART_BYTES, BlobPart
from models.db import get_engine
from models.settings import get_settings

ABANDONED_SECONDS = 24 * 3600
"""No copy takes a day to fetch: a half-fetched one that old was left by a killed process."""
FETCH_ATTEMPTS = 3


def _in_database() -> bool:
    return get_settings().blob_store == "database"


def put(data: bytes) -> tuple[str, bool]:
    """Store the bytes; returns their hash and whether this call stored them."""
    if not _in_database():
        return storage.put(data)
    sha = storage.sha256_of(data)
    return sha, _insert(sha, _parts_of(io.BytesIO(data)))


def put_file(path: Path, sha256: str | None = None) -> tuple[str, bool]:
    """Store a finished file, read a part at a time (its hash too, unless the caller took it
    while writing the file); the file at `path` is gone afterwards either way."""
    if not _in_database():
        return storage.put_file(path, sha256)
    try:
        sha = sha256 or storage.sha256_of_file(path)
        with path.open("rb") as handle:  # read only if the file is not stored already
            return sha, _insert(sha, _parts_of(handle))
    finally:
        path.unlink(missing_ok=True)


class StoredFileDamaged(OSError):
    """What was read back does not hash to the name it is stored under."""


def read(sha256: str) -> bytes:
    """The stored bytes (a page image, whole in memory), checked against their hash;
    FileNotFoundError when not stored."""
    if not _in_database():
        return storage.blob_path(sha256).read_bytes()
    parts = list(_parts(sha256))
    if not parts:
        raise FileNotFoundError(f"no stored file {sha256[:12]}…")
    data = b"".join(parts)
    if storage.sha256_of(data) != sha256:
        raise StoredFileDamaged(f"the stored file {sha256[:12]}… does not match its hash")
    return data


@contextmanager
def local_copy(sha256: str) -> Iterator[Path]:
    """A path on this machine holding the stored file, for tools that read files (poppler),
    kept for the block: a copy in use is neither swept nor forgotten by another process of
    this machine. The path does not exist when the file is not stored (deleted after its
    retention period, perhaps by another machine, whose copy this machine then drops)."""
    if not _in_database():
        yield storage.blob_path(sha256)
        return
    _sweep_copies(get_settings().blob_cache_seconds)
    copy = _copy_path(sha256)
    if not _exists(sha256):
        _drop_unused(copy)
        yield copy
        return
    for _ in range(FETCH_ATTEMPTS):
        held = _hold(copy)
        if held is not None:
            break
        _write_copy(sha256, copy)
    else:
        raise OSError(f"the copy of {sha256[:12]}… was swept as often as it was fetched")
    with held:
        os.utime(copy)  # in use: not swept for another blob_cache_seconds
        yield copy


def local_path(sha256: str) -> Path:
    """As `local_copy`, for a caller that hands the path on (a download the web server sends
    after the request's code has returned): the copy was touched just now, so it outlives
    the hand-over by blob_cache_seconds."""
    with local_copy(sha256) as path:
        return path


def remove(sha256: str) -> None:
    """Delete the stored file (and this machine's copy of it, unless in use)."""
    if not _in_database():
        storage.remove(sha256)
        return
    with get_engine().begin() as connection:
        connection.execute(delete(BlobPart).where(BlobPart.sha256 == sha256))
    _drop_unused(_copy_path(sha256))


def forget_copy(sha256: str) -> None:
    """Drop this machine's copy of a stored file once nothing here needs it (every page of an
    uploaded file split), unless another process of this machine is using it now (a page
    split again); the stored file stays."""
    if _in_database():
        _drop_unused(_copy_path(sha256))


def sweep_copies() -> int:
    """Drop the local copies unused for blob_cache_seconds; returns how many."""
    return _sweep_copies(get_settings().blob_cache_seconds) if _in_database() else 0


class NotInDatabase(Exception):
    """Files are moved into the database only once the settings keep them there."""


@dataclass(frozen=True)
class Moved:
    moved: int = 0
    already: int = 0
    """Files the database held already (their copy in the folder was removed)."""
    damaged: tuple[str, ...] = ()
    """Files whose content no longer matches their name's hash: left in the folder."""


def files_in_folder() -> list[Path]:
    """The files of this home's store folder (not those being received)."""
    store = get_settings().store_dir
    return sorted(path for path in store.glob("??/*")
                  if len(path.name) == 64 and not path.name.startswith(storage.INCOMING_PREFIX))


def move_folder_into_database(files: list[Path],
                              done: Callable[[Path], None] = lambda _: None) -> Moved:
    """Move the files of a store folder into the database, for an installation that turns
    `blob_store` to `database`: each checked against the hash it is named by, stored, and
    only then removed from the folder, so a move that stops half-way is run again."""
    if not _in_database():
        raise NotInDatabase("set YOSHIN_BLOB_STORE=database (with YOSHIN_DATABASE_URL naming "
                            "the PostgreSQL database) before moving the files into it")
    moved = already = 0
    damaged: list[str] = []
    for path in files:
        if storage.sha256_of_file(path) != path.name:
            damaged.append(path.name)
        else:
            with path.open("rb") as handle:
                created = _insert(path.name, _parts_of(handle))
            if created:
                moved += 1
            else:
                already += 1
            path.unlink()
        done(path)
    return Moved(moved, already, tuple(damaged))


def _parts_of(handle: BinaryIO) -> Iterator[bytes]:
    """A file's parts as stored: an empty file is one empty part, so that it is stored."""
    yield handle.read(PART_BYTES)
    while block := handle.read(PART_BYTES):
        yield block


def _stored(connection: Connection, sha256: str) -> bool:
    return connection.scalar(select(BlobPart.part).where(
        BlobPart.sha256 == sha256, BlobPart.part == 0)) is not None


def _exists(sha256: str) -> bool:
    with get_engine().connect() as connection:
        return _stored(connection, sha256)


def _insert(sha256: str, parts: Iterator[bytes]) -> bool:
    """Write every part in one transaction; False when the file was stored already (by an
    earlier call, or by another process at the same moment: its first part's key waits for
    that transaction and then collides)."""
    try:
        with get_engine().begin() as connection:
            if _stored(connection, sha256):
                return False
            for number, data in enumerate(parts):
                connection.execute(insert(BlobPart),
                                   {"sha256": sha256, "part": number, "data": data})
    except IntegrityError:
        return False
    return True


def _parts(sha256: str) -> Iterator[bytes]:
    """The file's parts in order, from one statement (so one snapshot: a file removed
    meanwhile is read whole or not at all) whose rows are fetched one at a time (a server-
    side cursor, so a large file never sits whole in memory here or in the answer)."""
    with get_engine().connect() as connection:
        yield from connection.execution_options(yield_per=1).scalars(
            select(BlobPart.data).where(BlobPart.sha256 == sha256).order_by(BlobPart.part))


def _copies_dir() -> Path:
    return get_settings().resolved_home / "blob-copies"


def _copy_path(sha256: str) -> Path:
    return _copies_dir() / sha256


def _write_copy(sha256: str, copy: Path) -> None:
    """Fetch the file into a private temporary name, check its hash, and rename it into
    place: a copy under its real name is always whole and right."""
    storage.private_dir(copy.parent)
    fd, temporary = tempfile.mkstemp(dir=copy.parent, prefix=storage.INCOMING_PREFIX)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as handle:
            for data in _parts(sha256):
                digest.update(data)
                handle.write(data)
        if digest.hexdigest() != sha256:
            raise StoredFileDamaged(f"the stored file {sha256[:12]}… does not match its hash")
        os.replace(temporary, copy)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _hold(copy: Path) -> BinaryIO | None:
    """The copy opened with a shared lock, once it is sure to be the file at its path (a
    sweeper may have removed it just before the lock was had); None when there is none."""
    try:
        handle = copy.open("rb")
    except FileNotFoundError:
        return None
    fcntl.flock(handle, fcntl.LOCK_SH)
    if _still_at(copy, handle):
        return handle
    handle.close()
    return None


def _drop_unused(copy: Path, older_than: float | None = None) -> bool:
    """Remove the copy unless a process holds it (or it was used within `older_than`
    seconds); the age is judged under the lock, so a copy touched meanwhile stays."""
    try:
        handle = copy.open("rb")
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # in use
            return False
        if older_than is not None \
                and os.fstat(handle.fileno()).st_mtime >= time.time() - older_than:
            return False
        if not _still_at(copy, handle):
            return False
        copy.unlink()
        return True


def _still_at(copy: Path, handle: BinaryIO) -> bool:
    try:
        return os.stat(copy).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def _sweep_copies(older_than: float) -> int:
    folder = _copies_dir()
    if not folder.exists():
        return 0
    names = list(folder.iterdir())
    # a copy being fetched now is younger than a day; one that old was abandoned
    storage.unlink_untouched((path for path in names
                              if path.name.startswith(storage.INCOMING_PREFIX)),
                             ABANDONED_SECONDS)
    return sum(_drop_unused(path, older_than) for path in names
               if not path.name.startswith(storage.INCOMING_PREFIX))
