"""Cross-site request forgery: a state-changing request that rides on the session cookie
must come from one of our own pages.

The session cookie is SameSite=Strict already; this is the second lock for browsers that
ignore it. Such a request must carry an Origin (or, failing that, a Referer) naming this
very host. A request without the session cookie carries no ambient credential and is not
checked; nor is one that sends a valid API token, which is then what authenticates it: the
routes below never see that request's screen session. Any other Authorization header (a
made-up or revoked token, another scheme) changes nothing, since the cookie would be what
authenticates the request.

Logging in has no session to ride on, but a forged login is an attack of its own: another
site's form would log the victim in as the attacker, whose account then collects what the
victim types. So a login that names where it comes from (browsers always send an Origin on
such a post) must come from this host; one naming nothing is a script's, not a browser's.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from accounts.deps import SESSION_ID
from accounts.users import hash_token
from models.db import session_scope
from models.users import ApiToken

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN = frozenset({("POST", "/api/session"), ("POST", "/login")})
SESSION_COOKIE = "yoshin_session"


def bearer_token_holds(header: str) -> bool:
    """Whether an Authorization header is a bearer token the API accepts (known, not
    revoked, its account active). Read only: the API's own lookup notes the token's use."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    with session_scope() as db:
        row = db.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token.strip())))
        return row is not None and row.revoked_at is None and row.user.active


async def _bearer_token_holds_off_loop(header: str) -> bool:
    """bearer_token_holds in a worker thread, as it waits on the database. (Awaited inline
    after `authorization and`, mypy would infer run_in_threadpool's result as str | None.)"""
    return await run_in_threadpool(bearer_token_holds, header)


class SameOriginForCookies:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _login_from_another_site(scope):
            answer = JSONResponse({"detail": "cross-site login refused: log in on the Yoshin "
                                             "login screen"}, status_code=403)
            await answer(scope, receive, send)
            return
        if scope["type"] != "http" or self._needs_no_check(scope):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        authorization = headers.get("authorization")
        if authorization and await _bearer_token_holds_off_loop(authorization):
            # the token authenticates this request: its cookie's session is not the routes'
            await self.app({**scope, "session": {}, SESSION_ID: None}, receive, send)
            return
        if not _same_origin(headers):
            answer = JSONResponse({"detail": "cross-site request refused: send it from the "
                                             "Yoshin screens or with an API token"},
                                  status_code=403)
            await answer(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _needs_no_check(scope: Scope) -> bool:
        """A safe method, logging in, or no session cookie to ride on."""
        if scope["method"] in SAFE_METHODS or (scope["method"], scope["path"]) in OPEN:
            return True
        return f"{SESSION_COOKIE}=" not in _headers(scope).get("cookie", "")


def _headers(scope: Scope) -> dict[str, str]:
    return {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}


def _login_from_another_site(scope: Scope) -> bool:
    """A login post whose Origin (or, without one, Referer) is not this host; `Origin: null`
    (a sandboxed frame, a data: page) counts as another site."""
    if (scope["method"], scope["path"]) not in OPEN:
        return False
    headers = _headers(scope)
    if "origin" not in headers and "referer" not in headers:
        return False
    return not _same_origin(headers)


def _same_origin(headers: dict[str, str]) -> bool:
    source = headers.get("origin") or headers.get("referer") or ""
    return bool(source) and urlsplit(source).netloc == headers.get("host", "")
