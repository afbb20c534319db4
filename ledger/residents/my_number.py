"""個人番号 at rest: encrypted with AES-GCM, found again by a keyed hash, shown only masked.

The keyed hash lets the ledger find a person by My Number without decrypting every row,
and without a plain hash that could be reversed by trying all 10^11 possible numbers.

The encryption key is rotatable: `YOSHIN_MY_NUMBER_KEY_FILE` names the key that encrypts
(derived from the service's secret key when unset) and `YOSHIN_MY_NUMBER_OLD_KEY_FILES` the
keys that may still be needed to decrypt. Each ciphertext names its key by a fingerprint,
so `yoshin my-number rekey` can move every row onto the current key, after which the old
key files can be destroyed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Resident
from models.keys import derived_key
from models.settings import get_settings

_NONCE = 12
_MAGIC = b"YMN2"
"""Marks a ciphertext that names its key; older rows (nonce first) used the derived key."""
_FINGERPRINT = 4
_AAD = b"my-number"


class KeyMissing(Exception):
    """A stored number was encrypted with a key this installation no longer has."""


def lookup_hash(my_number: str) -> str:
    return hmac.new(derived_key("my-number-lookup"), my_number.encode(), hashlib.sha256).hexdigest()


@lru_cache
def _key_from_file(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) != 32:
        raise RuntimeError(f"My Number key file {path} must hold exactly 32 bytes")
    return key


def _fingerprint(key: bytes) -> bytes:
    return hashlib.sha256(b"my-number-key" + key).digest()[:_FINGERPRINT]


def _current_key() -> bytes:
    path = get_settings().my_number_key_file
    return _key_from_file(path) if path else derived_key("my-number-encryption")


def _known_keys() -> dict[bytes, bytes]:
    settings = get_settings()
    keys = [_current_key(), derived_key("my-number-encryption"),
            *(_key_from_file(path) for path in settings.my_number_old_key_files)]
    return {_fingerprint(key): key for key in keys}


def encrypt(my_number: str) -> bytes:
    key = _current_key()
    nonce = os.urandom(_NONCE)
    return _MAGIC + _fingerprint(key) + nonce + AESGCM(key).encrypt(
        nonce, my_number.encode(), _AAD)


def decrypt(blob: bytes) -> str:
    if not blob.startswith(_MAGIC):
        key, rest = derived_key("my-number-encryption"), blob
    else:
        fingerprint = blob[len(_MAGIC):len(_MAGIC) + _FINGERPRINT]
        known = _known_keys().get(fingerprint)
        if known is None:
            raise KeyMissing("a My Number was encrypted with a key that is not configured")
        key = known
        rest = blob[len(_MAGIC) + _FINGERPRINT:]
    return AESGCM(key).decrypt(rest[:_NONCE], rest[_NONCE:], _AAD).decode()


def under_current_key(blob: bytes) -> bool:
    return blob.startswith(_MAGIC + _fingerprint(_current_key()))


def rekey_batch(session: Session, *, after_id: int, batch: int = 1000) -> tuple[int, int | None]:
    """Re-encrypt, under the current key, the stored numbers of the next `batch` residents
    after `after_id`; returns how many moved and the last id seen (None when none was left).
    One batch per transaction (the caller commits), so a long run keeps its progress if
    interrupted and never holds every row's lock at once."""
    rows = session.scalars(select(Resident).where(
        Resident.id > after_id, Resident.my_number_encrypted.is_not(None))
        .order_by(Resident.id).limit(batch).with_for_update()).all()
    moved = 0
    for resident in rows:
        blob = resident.my_number_encrypted
        if blob is not None and not under_current_key(blob):
            resident.my_number_encrypted = encrypt(decrypt(blob))
            moved += 1
    return moved, rows[-1].id if rows else None


def masked(has_number: bool) -> str:
    """What every screen shows in place of a My Number: that one is held, not which."""
    return "●●●● ●●●● ●●●●" if has_number else ""
