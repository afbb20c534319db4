"""Content-addressed file store: every uploaded file and page image is kept under its SHA-256.

A file is written to a temporary name, flushed to disk and renamed into place, so a crash
never leaves a half-written file under a real name, and the same content is stored once.

Everything Yoshin writes may hold personal data, so files are made 0600 and folders 0700
(`keep_files_private` sets the process umask at each entry point; the store's own writes
name their modes too). A file that must hold My Numbers for a while, such as a waiting bulk
transfer query, is written sealed (`write_sealed`): AES-GCM under a key derived from the
service's secret key, so the numbers never reach the disk in the clear.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import struct
import tempfile
import time
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TextIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.keys import derived_key
from models.settings import get_settings

PRIVATE_UMASK = 0o077
"""New files 0600 and folders 0700: readable by the service's own user only."""
INCOMING_PREFIX = ".incoming-"
"""Files being received or written into the store, before they are moved into place."""


def keep_files_private() -> None:
    """Set the process umask so that every file and folder created from here on (the SQLite
    database and its journal, the store, queue messages, exports) is the service user's
    alone. Called once at start-up by each entry point: the web app, the command line and
    the Celery app; any other local user of the machine reads nothing of Yoshin's."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Make `path` and any missing parents 0700 (`mkdir(parents=True, mode=...)` would give
    the mode only to the last folder); a folder that already exists is left as it is."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:  # another process made it first
            pass
    return path


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_file(path: Path) -> str:
    """Read a block at a time: an upload may be larger than the memory a worker can spare."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def blob_path(sha256: str) -> Path:
    return get_settings().store_dir / sha256[:2] / sha256


def put(data: bytes) -> tuple[str, bool]:
    """Store the bytes; returns their hash and whether this call created the file."""
    sha = sha256_of(data)
    target = blob_path(sha)
    if target.exists():
        return sha, False
    private_dir(target.parent)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=INCOMING_PREFIX)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return sha, True


def incoming_file() -> Path:
    """A new empty 0600 file inside the store, for a file too large to hold in memory that
    `put_file` then moves into place (same filesystem, so the move is a rename)."""
    folder = private_dir(get_settings().store_dir)
    fd, name = tempfile.mkstemp(dir=folder, prefix=INCOMING_PREFIX)
    os.close(fd)
    return Path(name)


def put_file(path: Path, sha256: str | None = None) -> tuple[str, bool]:
    """Store a finished file by moving it (`put` for a file written in parts, such as a
    notice run's PDF): its hash is read a block at a time, so it never sits in memory, or
    given by a caller that took it while writing the file (an upload received). The file at
    `path` is gone afterwards either way; returns the hash and whether this call created
    the stored file."""
    sha = sha256 or sha256_of_file(path)
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
    target = blob_path(sha)
    if target.exists():
        path.unlink()
        return sha, False
    private_dir(target.parent)
    os.replace(path, target)
    return sha, True


def remove(sha256: str) -> None:
    blob_path(sha256).unlink(missing_ok=True)


def sweep_incoming(older_than: float) -> int:
    """Remove files left half-received in the store (a process killed while it copied an
    upload in), untouched for `older_than` seconds; returns how many. A file being received
    now is younger than that and is left alone."""
    store = get_settings().store_dir
    return unlink_untouched(store.rglob(f"{INCOMING_PREFIX}*"), older_than) \
        if store.exists() else 0


def unlink_untouched(paths: Iterable[Path], older_than: float) -> int:
    """Remove those of `paths` not modified for `older_than` seconds; returns how many."""
    swept = 0
    cutoff = time.time() - older_than
    for path in paths:
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                swept += 1
        except FileNotFoundError:  # finished and moved into place, or swept, meanwhile
            continue
    return swept


def _private_opener(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def open_private_text(path: Path) -> TextIO:
    """Open `path` for writing CSV text, creating it 0600 whatever the process umask (a
    results file names the records of the residents it found)."""
    return open(path, "w", newline="", encoding="utf-8", opener=_private_opener)


_SEALED_MAGIC = b"YSEALED1"
_SEALED_CHUNK = 1 << 16
_SEALED_HEADER = struct.Struct(">BI")  # last-chunk flag, ciphertext length
_NONCE = 12


class SealedFileDamaged(Exception):
    """A sealed file was cut short, changed, moved to another name or sealed with another key."""


def _sealing() -> AESGCM:
    return AESGCM(derived_key("sealed-files"))


def _chunk_aad(name: str, index: int, last: bool) -> bytes:
    """Binds each chunk to its file's name, its place and whether it ends the file, so chunks
    cannot be reordered, dropped, cut off at the end or moved into another query's file."""
    return _SEALED_MAGIC + name.encode() + struct.pack(">QB", index, last)


class SealedWriter:
    """Text written here reaches the disk only as AES-GCM chunks of about 64 KiB."""

    def __init__(self, handle: BinaryIO, name: str) -> None:
        self._handle, self._name, self._aead = handle, name, _sealing()
        self._buffer = bytearray()
        self._index = 0
        handle.write(_SEALED_MAGIC)

    def write(self, text: str) -> None:
        self._buffer += text.encode("utf-8")
        while len(self._buffer) >= _SEALED_CHUNK:
            self._seal(bytes(self._buffer[:_SEALED_CHUNK]), last=False)
            del self._buffer[:_SEALED_CHUNK]

    def finish(self) -> None:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _seal(self, plain: bytes, *, last: bool) -> None:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, plain, _chunk_aad(self._name, self._index, last))
        self._handle.write(_SEALED_HEADER.pack(last, len(sealed)) + nonce + sealed)
        self._index += 1


@contextmanager
def write_sealed(path: Path, name: str | None = None) -> Iterator[SealedWriter]:
    """Write a new 0600 file of sealed text at `path` (replacing any leftover of that name),
    sealed under `name` (the path's own by default); if the block raises, nothing of it is
    left behind."""
    private_dir(path.parent)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            writer = SealedWriter(handle, name or path.name)
            yield writer
            writer.finish()
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _opened_chunks(path: Path, name: str) -> Iterator[bytes]:
    aead = _sealing()
    with path.open("rb") as handle:
        if handle.read(len(_SEALED_MAGIC)) != _SEALED_MAGIC:
            raise SealedFileDamaged(f"{name} is not a sealed file")
        index = 0
        while header := handle.read(_SEALED_HEADER.size):
            if len(header) != _SEALED_HEADER.size:
                break
            last, length = _SEALED_HEADER.unpack(header)
            nonce, sealed = handle.read(_NONCE), handle.read(length)
            try:
                yield aead.decrypt(nonce, sealed, _chunk_aad(name, index, bool(last)))
            except InvalidTag as damaged:
                raise SealedFileDamaged(f"{name} chunk {index} does not open") from damaged
            if last:
                if handle.read(1):
                    break
                return
            index += 1
    raise SealedFileDamaged(f"{name} is cut short or has bytes after its end")


def read_sealed_lines(path: Path, name: str | None = None) -> Generator[str, None, None]:
    """The lines of a file made by `write_sealed`, each ending in a newline but perhaps the
    last; decrypted a chunk at a time, so a long file never sits in memory. A generator, so
    a reader that stops early can close it (and the file) with contextlib.closing. `name` is
    the name it was sealed under, when it is read from elsewhere (a copy of a stored file)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    rest = ""
    for chunk in _opened_chunks(path, name or path.name):
        *lines, rest = (rest + decoder.decode(chunk)).split("\n")
        for line in lines:
            yield line + "\n"
    rest += decoder.decode(b"", final=True)
    if rest:
        yield rest
