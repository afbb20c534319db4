"""Logging in and out of the screens, and the server-side sessions behind them. Scripts use
API tokens instead (`yoshin users create --token`).

The session cookie holds only a random id; what it stands for (who, since when, last seen,
the screens' one-time messages) is a row of the `sessions` table (`models.login`), so a
session can be ended on the server: at logout, when its account is disabled or its password
changes, and after the idle and absolute timeouts of the settings. A replayed cookie of an
ended session opens nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models import audit
from models.db import session_scope
from models.deps import SESSION_ID, CurrentUser, DbSession, client_address
from models.keys import derived_key
from models.login import (
    LoginRefused,
    OpenSession,
    authenticate,
    end_session,
    load_session,
    open_session,
)
from models.settings import get_settings
from models.users import User
from yoshin.csrf import SESSION_COOKIE

router = APIRouter(prefix="/api", tags=["session"])

NO_SESSION_PATHS = ("/static/", "/health")
NOTES_COOKIE = "yoshin_notes"
"""The screens' one-time messages between a redirect and the next page; never personal data."""


class Credentials(BaseModel):
    username: str
    password: str


class Me(BaseModel):
    username: str
    display_name: str
    role: str


@router.post("/session")
def log_in(body: Credentials, request: Request, db: DbSession) -> Me:
    try:
        user = authenticate(db, body.username, body.password, client_address(request))
    except LoginRefused as refused:
        db.commit()
        if refused.retry_after is not None:
            raise HTTPException(429, str(refused),
                                headers={"Retry-After": str(refused.retry_after)}) from None
        raise HTTPException(401, str(refused)) from None
    request.session.clear()
    request.session["user_id"] = user.id
    db.commit()
    return Me(username=user.username, display_name=user.display_name, role=user.role)


@router.delete("/session", status_code=204)
def log_out(request: Request, user: CurrentUser, db: DbSession) -> Response:
    request.session.clear()
    audit.record(db, actor=user.username, action="logout")
    db.commit()
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
        return {key: value for key, value in self.items() if key != "user_id"}


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


def _log_in(user_id: int, client: str) -> str | None:
    """A new session's cookie id for the user a route has just logged in."""
    with session_scope() as db:
        user = db.get(User, user_id)
        if user is None or not user.active:
            return None
        token, _ = open_session(db, user, client)
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
            data["user_id"] = opened.user_id
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
                user_id = data.get("user_id")
                if opened is not None and (data.cleared or user_id != opened.user_id):
                    ended.append(opened.id)  # ended once the route's work is done
                fresh: str | None = None
                if isinstance(user_id, int) and (opened is None or ended):
                    fresh = await run_in_threadpool(_log_in, user_id, client)
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
