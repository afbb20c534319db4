"""Staff accounts and API tokens. Personal accounts only: every action is someone's."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped

_hasher = PasswordHasher()


class Role(StrEnum):
    SCANNER = "scanner"
    REVIEWER = "reviewer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    CLINIC = "clinic"
    """A contracted clinic submitting digital forms with its API token."""
    PEER = "peer"
    """Another municipality's Yoshin, calling with its API token (see models.transfers)."""


class User(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


class ApiToken(Timestamped, Base):
    """A bearer token for scripts and the command line; only its hash is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")


class LoginSession(Timestamped, Base):
    """A screen login, kept on the server so that it can be ended: the browser's cookie holds
    only a random id, and only that id's hash is stored here (a copy of this table opens no
    session). A session ends at logout, when its account is disabled or its password changes
    (`password_stamp` no longer matches), or after the idle or absolute timeout."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str] = mapped_column(String(32), default="")
    client: Mapped[str] = mapped_column(String(128), default="")
    password_stamp: Mapped[str] = mapped_column(String(64), default="")
    pending_factor: Mapped[bool] = mapped_column(default=False)
    """A password-only login of a role that needs a passkey: it opens nothing but the passkey
    ceremony (/login/passkey) until the second factor is shown."""
    challenge: Mapped[str] = mapped_column(String(160), default="")
    """The running passkey ceremony ("login:" or "register:" + base64url challenge); one use."""

    user: Mapped[User] = relationship()


class Passkey(Timestamped, Base):
    """A WebAuthn credential (passkey) of a user: the second factor of the roles in the
    setting `passkey_roles`. Only the public key is kept; the private key never leaves the
    user's device."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    """base64url, as the browser names it."""
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(64), default="")
    last_used_at: Mapped[datetime | None]
