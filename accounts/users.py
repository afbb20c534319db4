"""What an account may do over its life: tokens, passkeys, sessions ended, disabled and
enabled, a new role or password. Every change is audited, and the caller commits."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from models import audit
from models.base import utcnow
from models.settings import get_settings
from models.users import ApiToken, LoginSession, Passkey, Role, User


def needs_passkey(user: User) -> bool:
    """Whether a password alone is not enough for this user's screen login."""
    return user.role in get_settings().passkey_roles


def user_passkeys(session: Session, user_id: int) -> list[Passkey]:
    return list(session.scalars(select(Passkey).where(Passkey.user_id == user_id)))


def reset_passkeys(session: Session, user: User, actor: str) -> int:
    """Forget a user's passkeys (a lost device): their next login enrols a new one. Their
    screen sessions end too. Audited."""
    removed = user_passkeys(session, user.id)
    for passkey in removed:
        session.delete(passkey)
    end_sessions(session, user.id, "passkeys reset")
    audit.record(session, actor=actor, action="passkey.reset", subject=f"user:{user.username}",
                 detail={"removed": len(removed)})
    return len(removed)


def password_stamp(user: User) -> str:
    """Changes whenever the account's password does: a session opened under an old password
    no longer matches, whichever way the password was changed."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()


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


class AccountError(ValueError):
    """A lifecycle change that cannot be made (no such account, say)."""


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user {username}")
    return user


def live_tokens(user: User) -> list[ApiToken]:
    return [token for token in user.tokens if token.revoked_at is None]


def end_sessions(session: Session, user_id: int, reason: str) -> int:
    """End every live screen session of an account at once; returns how many were live."""
    result = session.execute(update(LoginSession).where(
        LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


class OwnAccount(AccountError):
    """An admin may not disable their own account or take away their own admin role: done
    by mistake, no one might be left to undo it. Another admin does it."""


def disable(session: Session, user: User, actor: str, *, by: User | None = None) -> int:
    """No more logins or token requests for this account, and its open sessions end now
    (an open event stream stops at its next look). Its tokens are refused while it is
    disabled and work again if it is enabled; returns how many sessions were ended. `by`:
    the admin doing it on the screens (`OwnAccount` if it is their own)."""
    if by is not None and by.id == user.id:
        raise OwnAccount("an admin cannot disable their own account")
    user.active = False
    ended = end_sessions(session, user.id, "disabled")
    audit.record(session, actor=actor, action="user.disable", subject=f"user:{user.username}",
                 detail={"sessions_ended": ended})
    return ended


def enable(session: Session, user: User, actor: str) -> None:
    user.active = True
    audit.record(session, actor=actor, action="user.enable", subject=f"user:{user.username}")


def change_role(session: Session, user: User, role: Role, actor: str, *,
                by: User | None = None) -> None:
    """A new role, in force from the account's next request (the role is read on each).
    `by`: the admin doing it on the screens (`OwnAccount` if they would drop their own
    admin role)."""
    if by is not None and by.id == user.id and role != Role.ADMIN:
        raise OwnAccount("an admin cannot take away their own admin role")
    before = user.role
    user.role = role.value
    audit.record(session, actor=actor, action="user.role", subject=f"user:{user.username}",
                 detail={"from": before, "to": role.value})


def change_password(session: Session, user: User, password: str, actor: str) -> int:
    """A new password ends the account's open sessions (whoever knew the old one is out);
    returns how many were ended."""
    user.set_password(password)
    ended = end_sessions(session, user.id, "password")
    audit.record(session, actor=actor, action="user.password", subject=f"user:{user.username}",
                 detail={"sessions_ended": ended})
    return ended


def revoke_tokens(session: Session, user: User, actor: str) -> int:
    """Revoke every live API token of the account; returns how many."""
    tokens = live_tokens(user)
    for token in tokens:
        token.revoked_at = utcnow()
    audit.record(session, actor=actor, action="user.tokens.revoke",
                 subject=f"user:{user.username}", detail={"revoked": len(tokens)})
    return len(tokens)


def revoke_token(session: Session, token: ApiToken, actor: str) -> bool:
    """Revoke one API token of an account (the others keep working); False if it was
    revoked already, and then nothing is written."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(session, actor=actor, action="user.token.revoke",
                 subject=f"user:{token.user.username}",
                 detail={"token_id": token.id, "name": token.name})
    return True


def last_logins(session: Session) -> dict[str, datetime]:
    """Each account's last successful login, by user name, from the audit log (the one place
    a login is recorded), for the periodic review of accounts."""
    rows = session.execute(
        select(audit.AuditEvent.actor, func.max(audit.AuditEvent.at))
        .where(audit.AuditEvent.action == "login").group_by(audit.AuditEvent.actor))
    return dict(rows.all())


def usernames(session: Session) -> dict[int, str]:
    """Every account's name by id: who corrected, matched or confirmed, on the screens."""
    return {user.id: user.username for user in session.scalars(select(User))}


def accounts_with_tokens(session: Session) -> Sequence[User]:
    """Every account with its tokens, by name, for the admin's periodic review."""
    return session.scalars(select(User).options(selectinload(User.tokens))
                           .order_by(User.username)).all()
