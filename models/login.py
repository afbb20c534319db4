"""Checking a password, with the brake that makes guessing one useless.

After `login_max_failures` wrong passwords for one account, or five times as many from one
address, within `login_window_seconds`, further attempts are refused without checking the
password until the window has passed; a successful login clears the account's count. The
failures are counted from the audit log, which records each one anyway, so the brake holds
across server processes and restarts with no store of its own.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import audit
from models.audit import AuditEvent
from models.base import utcnow
from models.settings import get_settings
from models.users import User

ADDRESS_FACTOR = 5


class LoginRefused(Exception):
    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _failures(session: Session, since: object, **where: str) -> int:
    query = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login.failed", AuditEvent.at >= since)
    if "actor" in where:
        last_login = session.scalar(select(func.max(AuditEvent.at)).where(
            AuditEvent.action == "login", AuditEvent.actor == where["actor"]))
        query = query.where(AuditEvent.actor == where["actor"])
        if last_login is not None:
            query = query.where(AuditEvent.at > last_login)
    else:
        query = query.where(AuditEvent.subject == where["client"])
    return session.scalar(query) or 0


def authenticate(session: Session, username: str, password: str, client: str) -> User:
    """The active user with this password; the caller commits (the audit entry is written
    in every case, a refusal included)."""
    settings = get_settings()
    window = settings.login_window_seconds
    since = utcnow() - timedelta(seconds=window)
    actor = username[:64]
    if (_failures(session, since, actor=actor) >= settings.login_max_failures
            or _failures(session, since, client=client)
            >= settings.login_max_failures * ADDRESS_FACTOR):
        audit.record(session, actor=actor, action="login.throttled", subject=client[:128])
        raise LoginRefused("too many failed logins: try again later", retry_after=window)
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.check_password(password):
        audit.record(session, actor=actor, action="login.failed", subject=client[:128])
        raise LoginRefused("wrong user name or password")
    audit.record(session, actor=user.username, action="login", subject=client[:128])
    return user
