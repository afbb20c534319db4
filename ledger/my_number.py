"""個人番号 at rest: encrypted with AES-GCM, found again by a keyed hash, shown only masked.

The keyed hash lets the ledger find a person by My Number without decrypting every row,
and without a plain hash that could be reversed by trying all 10^11 possible numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.keys import derived_key

_NONCE = 12


def lookup_hash(my_number: str) -> str:
    return hmac.new(derived_key("my-number-lookup"), my_number.encode(), hashlib.sha256).hexdigest()


def encrypt(my_number: str) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(derived_key("my-number-encryption")).encrypt(
        nonce, my_number.encode(), b"my-number"
    )


def decrypt(blob: bytes) -> str:
    return AESGCM(derived_key("my-number-encryption")).decrypt(
        blob[:_NONCE], blob[_NONCE:], b"my-number"
    ).decode()


def masked(has_number: bool) -> str:
    """What every screen shows in place of a My Number: that one is held, not which."""
    return "●●●● ●●●● ●●●●" if has_number else ""
