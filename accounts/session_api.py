"""Logging in and out of the screens, and the server-side sessions behind them. Scripts use
API tokens instead (`yoshin users create --token`).

The session cookie holds only a random id; what it stands for (who, since when, last seen,
the screens' one-time messages) is a row of the `sessions` table (`accounts.login`), so a
session can be ended on the server: at logout, when its account is disabled or its password
changes, and after the idle and absolute timeouts of the settings. A replayed cookie of an
ended session opens nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import MutableMapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accounts import passkeys
from accounts.csrf import SESSION_COOKIE
from accounts.deps import SESSION_ID, CurrentUser, DbSession, KeptRefusal, client_address
from accounts.login import (
    LoginRefused,
    OpenSession,
    authenticate,
    end_session,
    load_session,
    open_session,
)
from accounts.users import needs_passkey
from models import audit
from models.db import session_scope
from models.keys import derived_key
from models.settings import get_settings
from models.users import User

router = APIRouter(prefix="/api", tags=["session"])

NO_SESSION_PATHS = ("/static/", "/health")
PENDING = "passkey_user_id"
"""The session key of a half-logged-in user: password shown, passkey still to come. Nothing
but the passkey ceremony reads it; `user_id`, which every other route reads, stays unset."""
NOTES_COOKIE = "yoshin_notes"
"""The screens' one-time messages between a redirect and the next page; never personal data."""


class Credentials(BaseModel):
    username: str
    password: str


class Me(BaseModel):
    username: str
    display_name: str
    role: str
    second_factor: str | None = None
    """"passkey" when the login still needs the user's passkey (/login/passkey)."""


def begin_session(data: MutableMapping[str, Any], user: User) -> bool:
    """After the password, for the API and the login screen alike: a fresh session, logged
    in, or, for a role that needs its passkey, half logged in (True) until the ceremony."""
    data.clear()
    if needs_passkey(user):
        data[PENDING] = user.id
        return True
    data["user_id"] = user.id
    return False


@router.post("/session", response_model_exclude_none=True)
def log_in(body: Credentials, request: Request, db: DbSession) -> Me:
    try:
        user = authenticate(db, body.username, body.password, client_address(request))
    except LoginRefused as refused:  # the failure's audit entry is what the brake counts
        if refused.retry_after is not None:
            raise KeptRefusal(429, str(refused),
                              headers={"Retry-After": str(refused.retry_after)}) from None
        raise KeptRefusal(401, str(refused)) from None
    pending = begin_session(request.session, user)
    return Me(username=user.username, display_name=user.display_name, role=user.role,
              second_factor="passkey" if pending else None)


@router.delete("/session", status_code=204)
def log_out(request: Request, user: CurrentUser, db: DbSession) -> Response:
    request.session.clear()
    audit.record(db, actor=user.username, action="logout")
    return Response(status_code=204)


@router.get("/me")
def me(user: CurrentUser) -> Me:
    return Me(username=user.username, display_name=user.display_name, role=user.role)


class SessionData(dict[str, Any]):
    """A request's session as the routes see it (`request.session`): `user_id` from the
    session's row, anything else (a message shown once) from the notes cookie. Remembers a
    `clear()`: routes clear it to log out, and before logging someone in, which must never
    carry on the session that was there (a fixed session id would let its maker in). A route
    that logs someone in commits its own transaction first: the new row is written as the
    answer starts."""

    cleared = False

    def clear(self) -> None:
        self.cleared = True
        super().clear()

    def notes(self) -> dict[str, Any]:
        return {key: value for key, value in self.items() if key not in ("user_id", PENDING)}


def _cookies(scope: Scope) -> dict[str, str]:
    jar: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            jar |= cookie_parser(value.decode("latin-1"))
    return jar


def _sealed(notes: dict[str, Any]) -> str:
    """The notes cookie's value: signed, so that no other site or script can plant a message
    on our screens. It identifies no one and opens nothing."""
    body = base64.urlsafe_b64encode(json.dumps(notes, ensure_ascii=False).encode()).decode()
    mac = hmac.new(derived_key("session-notes"), body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def _unsealed(value: str) -> dict[str, Any]:
    body, _, mac = value.rpartition(".")
    good = hmac.new(derived_key("session-notes"), body.encode(), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(mac, good):
        return {}
    try:
        notes = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return {}
    return notes if isinstance(notes, dict) else {}


def _load(token: str) -> OpenSession | None:
    with session_scope() as db:
        return load_session(db, token)


def _log_in(user_id: int, client: str, pending: bool = False) -> str | None:
    """A new session's cookie id for the user a route has just logged in (`pending`: by
    password only, the passkey still to come)."""
    with session_scope() as db:
        user = db.get(User, user_id)
        if user is None or not user.active:
            return None
        token, _ = open_session(db, user, client, pending)
        return token


def _end(session_id: int) -> None:
    with session_scope() as db:
        end_session(db, session_id, "logout")


class ServerSessions:
    """The session middleware: each request's `session` from the cookie's id, and the cookie
    set, renewed or deleted as the routes logged someone in or out."""

    def __init__(self, app: ASGIApp, https_only: bool = False) -> None:
        self.app = app
        self.https_only = https_only

    def _cookie(self, name: str, value: str, max_age: int) -> str:
        cookie = f"{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict"
        return cookie + "; Secure" if self.https_only else cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"].startswith(
                NO_SESSION_PATHS):
            await self.app(scope, receive, send)
            return
        jar = _cookies(scope)
        token = jar.get(SESSION_COOKIE) or None
        opened = await run_in_threadpool(_load, token) if token else None
        notes = _unsealed(jar[NOTES_COOKIE]) if jar.get(NOTES_COOKIE) else {}
        data = SessionData(notes)
        if opened is not None:
            data[PENDING if opened.pending else "user_id"] = opened.user_id
        scope["session"] = data
        scope[SESSION_ID] = opened.id if opened else None
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        ended: list[int] = []

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                user_id, pending_id = data.get("user_id"), data.get(PENDING)
                before = (None, None) if opened is None else (
                    (None, opened.user_id) if opened.pending else (opened.user_id, None))
                if opened is not None and (data.cleared or (user_id, pending_id) != before):
                    ended.append(opened.id)  # ended once the route's work is done
                fresh: str | None = None
                if isinstance(user_id, int) and (opened is None or ended):
                    fresh = await run_in_threadpool(_log_in, user_id, client)
                elif isinstance(pending_id, int) and (opened is None or ended):
                    fresh = await run_in_threadpool(_log_in, pending_id, client, True)
                if fresh is not None:
                    max_age = get_settings().session_max_hours * 3600
                    headers.append("set-cookie", self._cookie(SESSION_COOKIE, fresh, max_age))
                elif token is not None and (opened is None or ended):
                    headers.append("set-cookie", self._cookie(SESSION_COOKIE, "", 0))
                if data.notes() != notes:
                    value = _sealed(data.notes()) if data.notes() else ""
                    headers.append("set-cookie", self._cookie(NOTES_COOKIE, value,
                                                              3600 if value else 0))
            await send(message)

        try:
            await self.app(scope, receive, send_with_cookies)
        finally:
            if ended:  # after the route's own transaction is closed (SQLite has one writer)
                await run_in_threadpool(_end, ended[0])


# Passkeys: the second factor -------------------------------------------------------------


def _pending_user(request: Request, db: DbSession) -> tuple[User, int]:
    """The half-logged-in user and their session's id, or 401 (before the body is read)."""
    user_id = request.session.get(PENDING) if "session" in request.scope else None
    session_id = request.scope.get(SESSION_ID)
    user = db.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or session_id is None:
        raise HTTPException(401, "log in with your password first")
    return user, session_id


PendingUser = Annotated[tuple[User, int], Depends(_pending_user)]


@router.post("/session/passkey/options")
def passkey_options(pending: PendingUser, db: DbSession) -> dict[str, Any]:
    """Start the ceremony: sign in with a passkey if the user has one, else enrol one."""
    user, session_id = pending
    return passkeys.options(db, user=user, session_id=session_id)


@router.post("/session/passkey/verify")
def passkey_verify(pending: PendingUser, body: dict[str, Any], request: Request,
                   db: DbSession) -> Me:
    """Check the browser's answer to the ceremony; on success the half-logged-in session is
    replaced by a full one (a new cookie id). A refusal keeps its audit entry and the spent
    challenge."""
    user, session_id = pending
    try:
        passkeys.verify(db, user=user, session_id=session_id, answer=body,
                        client=client_address(request))
    except passkeys.PasskeyRefused:
        raise KeptRefusal(400, "the passkey was not accepted") from None
    request.session.clear()
    request.session["user_id"] = user.id
    return Me(username=user.username, display_name=user.display_name, role=user.role)
