"""Every role tried on every route, API and screens, against the one permission table.

The routes are found in the application itself, and each one's permission is read from the
dependency guarding it, so a new endpoint without a guard fails `test_every_route_is_guarded`
and a guard that lets the wrong role through fails the table test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from accounts.access import PERMISSIONS, Action
from models import Role, User
from models.db import session_scope
from tests.inprocess import make_user

PUBLIC = {("GET", "/health"), ("POST", "/api/session"), ("GET", "/.well-known/jwks.json"),
          ("GET", "/.well-known/crl/{kid}.json"), ("GET", "/login"), ("POST", "/login"),
          ("GET", "/")}
"""Open to anyone: health, logging in, the landing redirect, the issuer's public keys."""
ANY_USER = {("DELETE", "/api/session"), ("GET", "/api/me"), ("POST", "/logout")}
"""Any logged-in account, whatever its role: about the caller's own session."""
HALF_LOGGED_IN = {("POST", "/api/session/passkey/options"),
                  ("POST", "/api/session/passkey/verify"), ("GET", "/login/passkey")}
"""After the password, before the passkey: only the passkey ceremony (accounts.session_api)."""


def _guard(call: Callable[..., Any]) -> Action | None:
    return getattr(call, "action", None)


def _actions(route: APIRoute) -> set[Action]:
    found: set[Action] = set()
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        action = _guard(dependency.call) if dependency.call else None
        if action is not None:
            found.add(action)
        stack.extend(dependency.dependencies)
    return found


def _all_routes(routes: list[Any]) -> Iterator[Any]:
    """The application's routes, looking inside the routers it includes (the routers are
    mounted without a further prefix, so each route's path is its URL)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        yield from _all_routes(included.routes) if included is not None else [route]


def _routes() -> list[tuple[str, str, Action | None, bool]]:
    from yoshin.app import create_app

    rows = []
    for route in _all_routes(create_app().routes):
        if not isinstance(route, APIRoute):
            continue
        actions = _actions(route)
        assert len(actions) <= 1, (route.path, actions)
        for method in sorted(route.methods):
            rows.append((method, route.path, next(iter(actions), None),
                         route.include_in_schema))
    return rows


ROUTES = _routes()


def test_every_route_is_guarded() -> None:
    unguarded = {(method, path) for method, path, action, _ in ROUTES if action is None}
    assert unguarded == PUBLIC | ANY_USER | HALF_LOGGED_IN
    assert len(ROUTES) > 50


def _url(path: str) -> str:
    """Ids of nothing that exists: the guard answers before any lookup, and an allowed role
    gets a 404 instead of acting on (or streaming) another test's data."""
    return re.sub(r"\{[a-z_]+\}", "999999", path)


@pytest.fixture(scope="module")
def clients(inprocess_db: Path) -> Iterator[dict[Role, tuple[TestClient, TestClient]]]:
    """Per role: a client with an API token, and one logged in to the screens."""
    from yoshin.app import create_app

    made = {}
    for role in Role:
        user_id, token = make_user(role)
        with session_scope() as session:
            user = session.get(User, user_id)
            user.set_password("permission test")
            username = user.username
        api = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
        screens = TestClient(create_app(), follow_redirects=False,
                             headers={"Origin": "http://testserver"})
        answer = screens.post("/api/session", json={"username": username,
                                                     "password": "permission test"})
        assert answer.status_code == 200
        made[role] = (api, screens)
    yield made


GUARDED = [(method, path, action, api) for method, path, action, api in ROUTES
           if action is not None]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("method", "path", "action", "api"), GUARDED,
                         ids=[f"{m} {p}" for m, p, _, _ in GUARDED])
def test_each_role_gets_exactly_what_the_table_gives(
        clients: dict[Role, tuple[TestClient, TestClient]], role: Role, method: str,
        path: str, action: Action, api: bool) -> None:
    token_client, session_client = clients[role]
    client = token_client if api else session_client
    answer = client.request(method, _url(path))
    if role in PERMISSIONS[action]:
        assert answer.status_code not in (401, 403), (role, method, path, answer.text[:200])
    else:
        assert answer.status_code == 403, (role, method, path, answer.status_code)
        if not api:
            assert "この画面を使う権限がありません" in answer.text
