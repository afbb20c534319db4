"""Staff accounts and API tokens. Personal accounts only: every action is someone's."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamped, utcnow

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


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "ysn_" + secrets.token_urlsafe(32)


def replace_tokens(user: User, name: str, token: str | None = None) -> str:
    """Give the account one working token (a new one unless given), revoking the others:
    the token a clinic or another municipality holds is the only key its system has."""
    for old in user.tokens:
        old.revoked_at = old.revoked_at or utcnow()
    token = token or new_token()
    user.tokens.append(ApiToken(name=name, token_hash=hash_token(token)))
    return token
