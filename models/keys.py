"""The service's secret key: made once, kept in a file only the service user can read.

Sessions are signed and My Numbers are encrypted and hashed with keys derived from it, so
losing the file makes stored My Numbers unreadable: back it up with the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path

from models.settings import get_settings


def _load_or_create(path: Path) -> bytes:
    """The key in `path`, made there if there is none. A new key is written whole under a
    temporary name and linked into place, so that another process (or thread) starting at
    the same moment reads either no file or the whole key, never a file made but not yet
    written; the first link wins and every other maker reads its key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-key-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # made by another process meanwhile
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    key = path.read_bytes()
    if len(key) != 32:
        raise RuntimeError(f"secret key file {path} must hold exactly 32 bytes")
    return key


@lru_cache
def _master_key(path: Path) -> bytes:
    return _load_or_create(path)


def derived_key(purpose: str) -> bytes:
    """A separate 32-byte key per purpose, so one key's use never weakens another's."""
    master = _master_key(get_settings().key_file)
    return hmac.new(master, purpose.encode(), hashlib.sha256).digest()


def audit_chain_key() -> bytes:
    """Keys each audit entry's hash: without it, a changed entry cannot be rehashed (nor the
    entries after it) so that the chain still holds."""
    return derived_key("audit-chain")


def audit_checkpoint_key() -> bytes:
    """Signs the checkpoints of the audit chain's head kept outside the database; a key of its
    own, so a checkpoint line can never pass for a chain entry or the other way round."""
    return derived_key("audit-checkpoint")
