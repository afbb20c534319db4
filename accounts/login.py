"""Checking a password, with the brake that makes guessing one useless, and the screen
sessions a login opens.

The brake has two parts, counted from the audit log (which records every failure anyway, so
the brake holds across server processes and restarts with no store of its own):

- per account: after `login_max_failures` wrong passwords for one account within
  `login_window_seconds` (since its last login), that account is refused without checking
  the password until the window has passed. Nothing else brakes a known account given the
  right password: behind a proxy or a city network's gateway every colleague shares one
  address, and a stranger's guesses must not lock them all out.
- per address: after five times as many attempts with names that are no account, from one
  address within the window, further attempts from it with unknown names (or wrong
  passwords) are answered "too many", the same as for an account braked on its own.

A name that is no account is never stored as typed (people type their password into the
name field): the audit log keeps a keyed hash of it, so repeated tries of one name can be
told apart without revealing it.

A screen session lives in the `sessions` table, keyed by the hash of a random id that is the
cookie's only content; see `models.users.LoginSession` for when it ends.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from accounts.users import hash_token, password_stamp
from models import audit
from models.audit import AuditEvent
from models.base import utcnow
from models.keys import derived_key
from models.settings import get_settings
from models.users import LoginSession, User

ADDRESS_FACTOR = 5
UNKNOWN_PREFIX = "unknown:"
TOUCH_EVERY = timedelta(minutes=1)


class LoginRefused(Exception):
    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def unknown_name(username: str) -> str:
    """How a failed login with a name that is no account appears in the audit log: a keyed
    hash, never the name itself (it may be a password typed into the wrong field)."""
    digest = hmac.new(derived_key("login-unknown-name"), username.encode(), hashlib.sha256)
    return UNKNOWN_PREFIX + digest.hexdigest()[:16]


def _account_failures(session: Session, since: datetime, username: str) -> int:
    """Wrong passwords for this account in the window, since its last successful login."""
    query = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login.failed", AuditEvent.at >= since,
        AuditEvent.actor == username)
    last_login = session.scalar(select(func.max(AuditEvent.at)).where(
        AuditEvent.action == "login", AuditEvent.actor == username))
    if last_login is not None:
        query = query.where(AuditEvent.at > last_login)
    return session.scalar(query) or 0


def _unknown_name_failures(session: Session, since: datetime, client: str) -> int:
    """Attempts from this address with names that are no account, in the window."""
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login.failed", AuditEvent.at >= since,
        AuditEvent.subject == client, AuditEvent.actor.startswith(UNKNOWN_PREFIX))) or 0


def authenticate(session: Session, username: str, password: str, client: str) -> User:
    """The active user with this password; the caller commits (the audit entry is written
    in every case, a refusal included)."""
    settings = get_settings()
    window = settings.login_window_seconds
    since = utcnow() - timedelta(seconds=window)
    subject = client[:128]
    throttled = LoginRefused("too many failed logins: try again later", retry_after=window)
    address_braked = (_unknown_name_failures(session, since, subject)
                      >= settings.login_max_failures * ADDRESS_FACTOR)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        actor = unknown_name(username)
        if address_braked:
            audit.record(session, actor=actor, action="login.throttled", subject=subject)
            raise throttled
        audit.record(session, actor=actor, action="login.failed", subject=subject)
        raise LoginRefused("wrong user name or password")
    if _account_failures(session, since, user.username) >= settings.login_max_failures:
        audit.record(session, actor=user.username, action="login.throttled", subject=subject)
        raise throttled
    if not user.active or not user.check_password(password):
        audit.record(session, actor=user.username, action="login.failed", subject=subject)
        if address_braked:  # answered as an unknown name would be: names are not revealed
            raise throttled
        raise LoginRefused("wrong user name or password")
    audit.record(session, actor=user.username, action="login", subject=subject)
    return user


# Screen sessions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenSession:
    """A live session as a request sees it."""

    id: int
    user_id: int
    pending: bool = False
    """Only the password was shown; the passkey is still to come (models.users.needs_passkey)."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def open_session(session: Session, user: User, client: str, pending: bool = False
                 ) -> tuple[str, OpenSession]:
    """A new session for a user who has just logged in: the cookie's random id (returned
    once, stored only as a hash) and the session. The account's long-dead sessions are
    cleared away on the way."""
    settings = get_settings()
    now = utcnow()
    session.execute(delete(LoginSession).where(
        LoginSession.user_id == user.id,
        or_(LoginSession.ended_at.is_not(None),
            LoginSession.created_at < now - timedelta(hours=settings.session_max_hours))))
    token = secrets.token_urlsafe(32)
    row = LoginSession(token_hash=hash_token(token), user_id=user.id, created_at=now,
                       last_seen_at=now, client=client[:128], password_stamp=password_stamp(user),
                       pending_factor=pending)
    session.add(row)
    session.flush()
    return token, OpenSession(row.id, user.id, pending)


def _why_over(row: LoginSession, now: datetime) -> str | None:
    """Why a session has ended, or None while it is live."""
    settings = get_settings()
    if row.ended_at is not None:
        return row.ended_reason or "ended"
    if not row.user.active:
        return "disabled"
    if row.password_stamp != password_stamp(row.user):
        return "password"
    if _aware(row.created_at) <= now - timedelta(hours=settings.session_max_hours):
        return "expired"
    if _aware(row.last_seen_at) <= now - timedelta(minutes=settings.session_idle_minutes):
        return "idle"
    return None


def _live_row(session: Session, row: LoginSession | None) -> LoginSession | None:
    """The row if its session is live; a session found over is marked ended on the way."""
    if row is None:
        return None
    now = utcnow()
    reason = _why_over(row, now)
    if reason is None:
        return row
    if row.ended_at is None:
        row.ended_at, row.ended_reason = now, reason
    return None


def load_session(session: Session, token: str) -> OpenSession | None:
    """The live session the cookie's id names, noting that it was used (to the minute, for
    the idle timeout); None for an unknown, ended or timed-out one."""
    row = _live_row(session, session.scalar(
        select(LoginSession).where(LoginSession.token_hash == hash_token(token))))
    if row is None:
        return None
    now = utcnow()
    if _aware(row.last_seen_at) <= now - TOUCH_EVERY:
        row.last_seen_at = now
    return OpenSession(row.id, row.user_id, row.pending_factor)


def session_alive(session: Session, session_id: int) -> bool:
    """Whether a session is still live, for answers that last (an event stream)."""
    return _live_row(session, session.get(LoginSession, session_id)) is not None


def end_session(session: Session, session_id: int, reason: str = "logout") -> None:
    session.execute(update(LoginSession).where(
        LoginSession.id == session_id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
        .execution_options(synchronize_session=False))


def set_challenge(session: Session, session_id: int, challenge: str) -> None:
    """Remember a half-logged-in session's running passkey ceremony."""
    session.execute(update(LoginSession).where(LoginSession.id == session_id)
                    .values(challenge=challenge).execution_options(synchronize_session=False))


def take_challenge(session: Session, session_id: int) -> str:
    """The session's running passkey ceremony, forgotten as it is read: a challenge answers
    once, so a replayed answer finds none."""
    row = session.get(LoginSession, session_id, with_for_update=True)
    if row is None or not row.pending_factor or row.ended_at is not None:
        return ""
    challenge, row.challenge = row.challenge, ""
    session.flush()
    return challenge
