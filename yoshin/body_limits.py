"""Limits a request body must keep before any route parses it.

JSON nested thousands deep makes Python's parser (and anything walking the result) run out
of stack: a 500, and a worker thread busy for nothing. No form, FHIR resource or API body of
ours nests more than a dozen levels, so a JSON body nested deeper than `MAX_JSON_DEPTH` is
refused (400) here, in one place, while it arrives: the structure is counted, not parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_JSON_DEPTH = 64
_TOKENS = re.compile(rb'\\.?|["\[\]{}]', re.DOTALL)


@dataclass
class JsonDepth:
    """Counts the nesting of a JSON text fed in pieces; strings (and their escapes) are
    skipped, so a bracket inside a value does not count."""

    depth: int = 0
    deepest: int = 0
    in_string: bool = False
    escaped: bool = False

    def feed(self, chunk: bytes) -> int:
        """The deepest nesting seen so far, this chunk included."""
        start = 0
        if self.escaped and chunk:
            self.escaped, start = False, 1  # the byte a backslash at a chunk's end escapes
        for match in _TOKENS.finditer(chunk, start):
            token = match.group()
            if token[:1] == b"\\":
                self.escaped = len(token) == 1 and self.in_string
            elif token == b'"':
                self.in_string = not self.in_string
            elif not self.in_string:
                self.depth += 1 if token in (b"[", b"{") else -1
                self.deepest = max(self.deepest, self.depth)
        return self.deepest


def _is_json(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"content-type":
            media_type = value.split(b";", 1)[0].strip().lower()
            return media_type == b"application/json" or media_type.endswith(b"+json")
    return False


class JsonDepthLimit:
    """Reads a JSON request's body ahead of the route, counting its nesting, and answers 400
    as soon as it goes deeper than `max_depth`; otherwise hands the body on unchanged. Other
    bodies (uploads) pass through untouched."""

    def __init__(self, app: ASGIApp, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.app = app
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        counter = JsonDepth()
        held: list[Message] = []
        while True:
            message = await receive()
            held.append(message)
            if message["type"] != "http.request":
                break
            if counter.feed(message.get("body", b"")) > self.max_depth:
                answer = JSONResponse(
                    {"detail": f"the JSON body is nested deeper than {self.max_depth} levels"},
                    status_code=400)
                await answer(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return held.pop(0) if held else await receive()

        await self.app(scope, replay, send)
