"""Content-addressed file store: every uploaded file and page image is kept under its SHA-256.

A file is written to a temporary name, flushed to disk and renamed into place, so a crash
never leaves a half-written file under a real name, and the same content is stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from models.settings import get_settings


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blob_path(sha256: str) -> Path:
    return get_settings().store_dir / sha256[:2] / sha256


def put(data: bytes) -> tuple[str, bool]:
    """Store the bytes; returns their hash and whether this call created the file."""
    sha = sha256_of(data)
    target = blob_path(sha)
    if target.exists():
        return sha, False
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
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


def remove(sha256: str) -> None:
    blob_path(sha256).unlink(missing_ok=True)
