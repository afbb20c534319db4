"""Every endpoint needs a logged-in user or a token, and the role decides what it may do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from models import Role
from tests.inprocess import client_as, make_user

OPEN = {("/health", "GET"), ("/api/session", "POST"), ("/.well-known/jwks.json", "GET"),
        ("/.well-known/crl/{kid}.json", "GET")}
"""The issuer's public keys and revocation lists are for any verifier, by the spec."""


def _routes() -> list[tuple[str, str]]:
    """Every operation the application publishes in its OpenAPI schema."""
    from yoshin.app import create_app

    paths = create_app().openapi()["paths"]
    found = {(path, method.upper()) for path, item in paths.items() for method in item}
    assert len(found) > 15
    return sorted(found - OPEN)


@pytest.mark.parametrize(("path", "method"), _routes())
def test_endpoint_refuses_anonymous(inprocess_db: Path, path: str, method: str) -> None:
    from yoshin.app import create_app

    url = re.sub(r"\{[a-z_]+\}", "1", path)
    answer = TestClient(create_app()).request(method, url)
    assert answer.status_code == 401, (method, url, answer.text)


@pytest.mark.parametrize(("role", "method", "url"), [
    (Role.SCANNER, "GET", "/api/review/next"),
    (Role.SCANNER, "GET", "/api/residents/1"),
    (Role.REVIEWER, "POST", "/api/batches"),
    (Role.REVIEWER, "POST", "/api/pages/1/retry"),
])
def test_role_without_the_right_is_refused(inprocess_db: Path, role: Role, method: str,
                                           url: str) -> None:
    answer = client_as(role).request(method, url)
    assert answer.status_code == 403
    assert role.value in answer.json()["detail"]


def test_login_session_and_logout(inprocess_db: Path) -> None:
    from models import User
    from models.db import session_scope
    from yoshin.app import create_app

    user_id, _ = make_user(Role.REVIEWER)
    with session_scope() as session:
        user = session.get(User, user_id)
        user.set_password("correct horse")
        username = user.username
    client = TestClient(create_app())
    assert client.post("/api/session", json={"username": username, "password": "wrong"}
                       ).status_code == 401
    assert client.post("/api/session", json={"username": username, "password": "correct horse"}
                       ).status_code == 200
    assert client.get("/api/me").json()["role"] == "reviewer"
    assert client.delete("/api/session").status_code == 204
    assert client.get("/api/me").status_code == 401


def test_disabled_user_is_refused_at_once(inprocess_db: Path) -> None:
    from models import User
    from models.db import session_scope

    user_id, token = make_user(Role.REVIEWER)
    client = client_as(Role.REVIEWER)
    client.headers["Authorization"] = f"Bearer {token}"
    assert client.get("/api/me").status_code == 200
    with session_scope() as session:
        session.get(User, user_id).active = False
    assert client.get("/api/me").status_code == 401
