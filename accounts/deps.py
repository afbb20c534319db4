"""Typed FastAPI dependencies shared by every router: the request's database session and the
authenticated user, from a session cookie (screens) or a bearer token (scripts, API)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accounts.access import Action, allowed
from accounts.login import session_alive
from accounts.users import hash_token
from models.base import utcnow
from models.db import new_session, session_scope
from models.users import ApiToken, User

TOUCH_EVERY = timedelta(minutes=1)
SESSION_ID = "yoshin.session_id"
"""Where a request's scope keeps the id of its live screen session (None without one); set
by the session middleware (accounts.session_api.ServerSessions)."""


class KeptRefusal(HTTPException):
    """A refusal that is itself a fact to keep: the audit entry of a refused attempt (a
    second check by the same person, say). The request's writes are committed with the
    error, so whoever raises it must have written nothing but that entry."""


def get_db() -> Iterator[Session]:
    """One session and one commit per request, made here and before the answer is sent
    (the dependency's scope is the endpoint function): routes and services never commit,
    and an error rolls back everything the request wrote, so none leaves half a change."""
    session = new_session()
    try:
        yield session
        session.commit()
    except KeptRefusal:
        session.commit()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_db, scope="function")]


def _user_from_token(db: Session, header: str) -> User | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token.strip())))
    if row is None or row.revoked_at is not None:
        return None
    _touch(db, row)
    return row.user


def _touch(db: Session, row: ApiToken) -> None:
    """Note when a token was last used, to the minute. A peer or clinic sends many requests
    with one token at once; writing its row on each would make every request wait for the
    others' row lock (and, waiting in the dependency, hold the threads the lock's holder
    needs to finish). So the row is written at most once a minute, and skipped when another
    request is writing it already."""
    now = utcnow()
    last = row.last_used_at
    if last is not None and (last if last.tzinfo else last.replace(tzinfo=UTC)) > now - TOUCH_EVERY:
        return
    free = select(ApiToken.id).where(ApiToken.id == row.id).with_for_update(skip_locked=True)
    db.execute(update(ApiToken).where(ApiToken.id.in_(free)).values(last_used_at=now)
               .execution_options(synchronize_session=False))


def release_connection(db: Session) -> None:
    """End a dependency's read-only transaction so the pooled connection goes back: FastAPI
    runs a dependency and the endpoint in separate thread-pool steps, and a request holding a
    connection while it waits for a free thread starves the threads that would release
    theirs. Nothing is written by then, so this commit keeps nothing of the request's."""
    db.commit()


def client_address(request: Request) -> str:
    """The caller's address: the connection's, or, from a proxy named in the setting
    `trusted_proxies` only, the client its `X-Forwarded-For` names (yoshin.app)."""
    return request.client.host if request.client else "unknown"


def credential_check(request: Request) -> Callable[[], bool]:
    """For an answer that lasts (an event stream): a check to repeat while it runs, that the
    credential it was opened with still holds (the account active, the token not revoked,
    the screen session not ended). It runs in a thread, with a database session of its own."""
    header = request.headers.get("authorization")
    session_id = request.scope.get(SESSION_ID)

    def still_holds() -> bool:
        with session_scope() as db:
            if header:
                user = _user_from_token(db, header)
                return user is not None and user.active
            return session_id is not None and session_alive(db, session_id)

    return still_holds


def current_user(request: Request, db: DbSession) -> User:
    """The caller, or 401. The lookup's transaction ends here: FastAPI runs this and the
    endpoint in separate thread-pool steps, and a request holding a pooled connection while
    it waits for a free thread starves the threads that would release theirs."""
    header = request.headers.get("authorization")
    if header:
        user = _user_from_token(db, header)
    else:
        user_id = request.session.get("user_id") if "session" in request.scope else None
        user = db.get(User, user_id) if user_id else None
    release_connection(db)
    if user is None or not user.active:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "log in or send an API token (Authorization: Bearer …)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require(action: Action) -> Callable[[User], User]:
    """A dependency that lets the request through only for a role allowed to do `action`."""

    def check(user: CurrentUser) -> User:
        if not allowed(user.role, action):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, f"the role {user.role} may not do {action.value}"
            )
        return user

    # The permission tests read which action guards a route from this attribute; set
    # through __dict__ because a function's type declares no `action`.
    check.__dict__["action"] = action
    return check
