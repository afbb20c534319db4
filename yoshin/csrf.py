"""Cross-site request forgery: a state-changing request that rides on the session cookie
must come from one of our own pages.

The session cookie is SameSite=Strict already; this is the second lock for browsers that
ignore it. Such a request must carry an Origin (or, failing that, a Referer) naming this
very host. Requests with an API token carry no ambient credential and are not checked;
logging in is open, since there is no session yet to abuse.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN = frozenset({("POST", "/api/session"), ("POST", "/login")})
SESSION_COOKIE = "yoshin_session"


class SameOriginForCookies:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._allowed(scope):
            answer = JSONResponse({"detail": "cross-site request refused: send it from the "
                                             "Yoshin screens or with an API token"},
                                  status_code=403)
            await answer(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _allowed(scope: Scope) -> bool:
        if scope["method"] in SAFE_METHODS or (scope["method"], scope["path"]) in OPEN:
            return True
        headers = {key.decode("latin-1"): value.decode("latin-1")
                   for key, value in scope["headers"]}
        if "authorization" in headers or f"{SESSION_COOKIE}=" not in headers.get("cookie", ""):
            return True
        source = headers.get("origin") or headers.get("referer") or ""
        return bool(source) and urlsplit(source).netloc == headers.get("host", "")
