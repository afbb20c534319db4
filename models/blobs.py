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

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from models import storage
from models.blob_parts import PART_BYTES, BlobPart
from models.db import get_engine
from models.settings import get_settings

ABANDONED_SECONDS = 24 * 3600
"""No copy takes a day to fetch: a half-fetched one that old was left by a killed process."""


def _in_database() -> bool:
    return get_settings().blob_store == "database"


def put(data: bytes) -> tuple[str, bool]:
    """Store the bytes; returns their hash and whether this call stored them."""
    if not _in_database():
        return storage.put(data)
    sha = storage.sha256_of(data)
    parts = (data[offset:offset + PART_BYTES]
             for offset in range(0, max(len(data), 1), PART_BYTES))
    return sha, _insert(sha, parts)


def put_file(path: Path, sha256: str | None = None) -> tuple[str, bool]:
    """Store a finished file, read a part at a time (its hash too, unless the caller took it
    while writing the file); the file at `path` is gone afterwards either way."""
    if not _in_database():
        return storage.put_file(path, sha256)
    try:
        sha = sha256 or _hash_of(path)
        with path.open("rb") as handle:  # read only if the file is not stored already
            return sha, _insert(sha, iter(lambda: handle.read(PART_BYTES), b""))
    finally:
        path.unlink(missing_ok=True)


def read(sha256: str) -> bytes:
    """The stored bytes (a page image, whole in memory); FileNotFoundError when not stored."""
    if not _in_database():
        return storage.blob_path(sha256).read_bytes()
    data = b"".join(_parts(sha256))
    if not data and not _exists(sha256):
        raise FileNotFoundError(f"no stored file {sha256[:12]}…")
    return data


def local_path(sha256: str) -> Path:
    """A path on this machine holding the stored file, for tools that read files; the path
    does not exist when the file is not stored (deleted after its retention period)."""
    if not _in_database():
        return storage.blob_path(sha256)
    _sweep_copies(get_settings().blob_cache_seconds)
    copy = _copy_path(sha256)
    if copy.exists():
        os.utime(copy)  # in use: not swept for another blob_cache_seconds
        return copy
    if _exists(sha256):
        _write_copy(sha256, copy)
    return copy


def remove(sha256: str) -> None:
    """Delete the stored file (and this machine's copy of it, if any)."""
    if not _in_database():
        storage.remove(sha256)
        return
    with get_engine().begin() as connection:
        connection.execute(delete(BlobPart).where(BlobPart.sha256 == sha256))
    _copy_path(sha256).unlink(missing_ok=True)


def forget_copy(sha256: str) -> None:
    """Drop this machine's copy of a stored file once nothing here needs it (every page of an
    uploaded file split); the stored file stays."""
    if _in_database():
        _copy_path(sha256).unlink(missing_ok=True)


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
        if _hash_of(path) != path.name:
            damaged.append(path.name)
        else:
            with path.open("rb") as handle:
                created = _insert(path.name, iter(lambda: handle.read(PART_BYTES), b""))
            if created:
                moved += 1
            else:
                already += 1
            path.unlink()
        done(path)
    return Moved(moved, already, tuple(damaged))


def _hash_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(PART_BYTES):
            digest.update(block)
    return digest.hexdigest()


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
    """The file's parts in order, each fetched on its own so a large file never sits whole
    in memory here or in the database's answer."""
    with get_engine().connect() as connection:
        number = 0
        while (data := connection.scalar(select(BlobPart.data).where(
                BlobPart.sha256 == sha256, BlobPart.part == number))) is not None:
            yield data
            number += 1


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
            raise OSError(f"the stored file {sha256[:12]}… does not match its hash")
        os.replace(temporary, copy)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _sweep_copies(older_than: float) -> int:
    folder = _copies_dir()
    if not folder.exists():
        return 0
    now, swept = time.time(), 0
    for copy in folder.iterdir():
        # a copy being fetched now is younger than a day; one that old was abandoned
        age = ABANDONED_SECONDS if copy.name.startswith(storage.INCOMING_PREFIX) else older_than
        try:
            if copy.stat().st_mtime < now - age:
                copy.unlink()
                swept += 1
        except FileNotFoundError:  # another process of this machine swept it first
            continue
    return swept
