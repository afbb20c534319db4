"""Headers every answer carries, so a browser keeps the screens' personal data to itself.

- Content-Security-Policy: scripts, styles, images and connections only from this origin and
  never inline, no plugins, no `<base>`, forms only to us, and no framing by any page
  (`frame-ancestors 'none'`, with X-Frame-Options for browsers that predate it). A value
  that slipped past escaping still cannot run.
- X-Content-Type-Options nosniff: an upload or an export is never taken for a script or page.
- Referrer-Policy same-origin: a screen's address (a resident's id, a search) never goes to
  another site. Not `no-referrer`: that makes browsers send `Origin: null` on our own form
  posts, which the cross-site check (accounts.csrf) would then refuse.
- Strict-Transport-Security, when the session cookie is sent over HTTPS only (a setting).
- Cache-Control no-store on everything but the static files: screens and API answers carry
  residents' data, which must not stay in a shared browser's or a proxy's cache.

The API documentation pages (/docs, /redoc) exist only when `YOSHIN_API_DOCS` is set; they
load their scripts from a CDN, so they alone get a policy that allows it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "font-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
))
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
DOCS_CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
    "img-src 'self' data: https://fastapi.tiangolo.com",
    "font-src https://fonts.gstatic.com",
    "connect-src 'self'",
    "worker-src blob:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
))
"""Only for the opt-in documentation pages, which show the API's shape and no one's data."""
HSTS = "max-age=63072000"
STATIC_PREFIX = "/static/"


def security_headers(path: str, *, https_only: bool) -> dict[str, str]:
    """The headers an answer to `path` gets (static files keep their own caching)."""
    headers = {
        "Content-Security-Policy": (DOCS_CONTENT_SECURITY_POLICY if path in DOCS_PATHS
                                    else CONTENT_SECURITY_POLICY),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }
    if https_only:
        headers["Strict-Transport-Security"] = HSTS
    if not path.startswith(STATIC_PREFIX):
        headers["Cache-Control"] = "no-store"
    return headers


class SecurityHeaders:
    """Adds `security_headers` to every HTTP answer, whichever room or middleware made it."""

    def __init__(self, app: ASGIApp, *, https_only: bool) -> None:
        self.app = app
        self.https_only = https_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = security_headers(scope["path"], https_only=self.https_only)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in added.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
