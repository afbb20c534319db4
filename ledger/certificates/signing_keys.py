"""The keys that sign SMART Health Cards: made by the service, kept encrypted, rotated.

Only the newest key signs; a rotated-out key keeps its public half in the JWKS, because every
card it signed must still verify for as long as people carry it.
"""

from __future__ import annotations

import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc.jwk import ECKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import SigningKey, audit
from models.base import utcnow
from models.keys import derived_key

_NONCE = 12
_PURPOSE = "certificate-signing-key"


def _encrypt(pem: bytes, kid: str) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(derived_key(_PURPOSE)).encrypt(nonce, pem, kid.encode())


def _decrypt(blob: bytes, kid: str) -> bytes:
    return AESGCM(derived_key(_PURPOSE)).decrypt(blob[:_NONCE], blob[_NONCE:], kid.encode())


def _new_key(session: Session) -> SigningKey:
    key = ECKey.generate_key("P-256", private=True)
    kid = key.thumbprint()
    public = {**key.as_dict(private=False), "kid": kid, "use": "sig", "alg": "ES256"}
    row = SigningKey(kid=kid, public_jwk=public,
                     private_encrypted=_encrypt(key.as_pem(private=True), kid))
    session.add(row)
    session.flush()
    return row


def current(session: Session) -> SigningKey:
    """The key that signs now, made on first use so a new installation can issue at once."""
    row = session.scalar(select(SigningKey).where(SigningKey.retired_at.is_(None))
                         .order_by(SigningKey.id.desc()).limit(1))
    if row is None:
        row = _new_key(session)
        audit.record(session, actor="system", action="certificate.key.create", subject=row.kid)
    return row


def rotate(session: Session, actor: str) -> SigningKey:
    """Retire the signing key and make a new one; the old public key stays published."""
    now = utcnow()
    for row in session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))):
        row.retired_at = now
    fresh = _new_key(session)
    audit.record(session, actor=actor, action="certificate.key.rotate", subject=fresh.kid)
    return fresh


def private_key(row: SigningKey) -> ECKey:
    return ECKey.import_key(_decrypt(row.private_encrypted, row.kid),
                            {"kid": row.kid, "alg": "ES256", "use": "sig"})


def public_keys(session: Session) -> list[dict[str, Any]]:
    """Every public key ever used to sign, oldest first."""
    return [dict(row.public_jwk) for row in
            session.scalars(select(SigningKey).order_by(SigningKey.id))]
