"""Certificate signing keys and the record of every certificate issued.

A signing key's private half is kept only encrypted (AES-GCM under a key derived from the
service's secret key file); retired keys stay so certificates they signed still verify.
Every issuance is a row: who issued it, when, for whom, its ID and a hash of what it said.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, Timestamped


class SigningKey(Timestamped, Base):
    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    """The JWK thumbprint (RFC 7638) of the public key."""
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    private_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    retired_at: Mapped[datetime | None]
    """Set when a newer key took over signing; the public key is still published."""


class Certificate(Timestamped, Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[str] = mapped_column(String(40), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    issued_at: Mapped[datetime]
    issued_by: Mapped[str] = mapped_column(String(64))
    kid: Mapped[str] = mapped_column(String(64))
    rid: Mapped[str] = mapped_column(String(24), unique=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The CertificateContent the PDF was rendered from (no My Number)."""
    jws: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str] = mapped_column(String(64), default="")
    revoke_reason: Mapped[str] = mapped_column(Text, default="")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
