"""Every endpoint needs a logged-in user or a token, and the role decides what it may do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

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
    assert client.delete("/api/session").status_code == 403  # no Origin: not from our pages
    assert client.delete("/api/session", headers={"Origin": "https://evil.example"}
                         ).status_code == 403
    assert client.get("/api/me").status_code == 200
    assert client.delete("/api/session", headers={"Origin": "http://testserver"}
                         ).status_code == 204
    assert client.get("/api/me").status_code == 401


def _user_with_password(role: Role, password: str) -> str:
    from models import User
    from models.db import session_scope

    user_id, _ = make_user(role)
    with session_scope() as session:
        user = session.get(User, user_id)
        user.set_password(password)
        return user.username


def test_cross_site_form_posts_with_the_session_are_refused(inprocess_db: Path) -> None:
    from yoshin.app import create_app

    username = _user_with_password(Role.SUPERVISOR, "correct horse")
    client = TestClient(create_app(), follow_redirects=False)
    assert client.post("/login", data={"username": username, "password": "correct horse"}
                       ).status_code == 303
    forged = client.post("/certificates/X/revoke", data={"reason": "forged"},
                         headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403 and "cross-site" in forged.text
    by_referer = client.post("/certificates/X/revoke", data={"reason": "ours"},
                             headers={"Referer": "http://testserver/residents/1"})
    assert by_referer.status_code == 303
    token_client = client_as(Role.SUPERVISOR)
    assert token_client.post("/api/certificates/X/revoke", json={"reason": "r"},
                             headers={"Origin": "https://elsewhere.example"}).status_code == 404


def test_repeated_wrong_passwords_lock_the_account_for_a_while(inprocess_db: Path) -> None:
    from models import AuditEvent
    from models.db import session_scope
    from models.settings import get_settings
    from yoshin.app import create_app

    username = _user_with_password(Role.REVIEWER, "correct horse")
    client = TestClient(create_app())
    limit = get_settings().login_max_failures
    for _ in range(limit):
        assert client.post("/api/session", json={"username": username, "password": "guess"}
                           ).status_code == 401
    locked = client.post("/api/session", json={"username": username,
                                               "password": "correct horse"})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    screen = client.post("/login", data={"username": username, "password": "correct horse"})
    assert screen.status_code == 429 and "しばらくログインできません" in screen.text
    other = _user_with_password(Role.REVIEWER, "battery staple")
    assert client.post("/api/session", json={"username": other, "password": "battery staple"}
                       ).status_code == 200
    with session_scope() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor == username)
                                  ).all()
    assert actions.count("login.failed") == limit and "login.throttled" in actions
    assert "login" not in actions


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


def test_disabling_ends_a_screen_session_at_once(inprocess_db: Path) -> None:
    from models import User
    from models.db import session_scope
    from yoshin.app import create_app

    username = _user_with_password(Role.REVIEWER, "correct horse")
    client = TestClient(create_app(), follow_redirects=False)
    assert client.post("/login", data={"username": username, "password": "correct horse"}
                       ).status_code == 303
    assert client.get("/review").status_code == 200
    with session_scope() as session:
        session.scalar(select(User).where(User.username == username)).active = False
    answer = client.get("/review")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_secrets_are_stored_as_hashes_and_cookies_are_locked_down(inprocess_db: Path,
                                                                   monkeypatch) -> None:  # noqa: ANN001
    import hashlib

    from models import ApiToken, User
    from models.db import session_scope
    from models.settings import get_settings
    from yoshin.app import create_app

    username = _user_with_password(Role.REVIEWER, "correct horse")
    user_id, token = make_user(Role.SCANNER)
    with session_scope() as session:
        stored = session.scalar(select(User).where(User.username == username)).password_hash
        hashes = session.scalars(select(ApiToken.token_hash).where(ApiToken.user_id == user_id)
                                 ).all()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()] or \
        (len(hashes) == 1 and token not in hashes[0])

    monkeypatch.setenv("YOSHIN_SECURE_COOKIES", "true")
    get_settings.cache_clear()
    try:
        answer = TestClient(create_app(), base_url="https://testserver").post(
            "/api/session", json={"username": username, "password": "correct horse"})
    finally:
        monkeypatch.delenv("YOSHIN_SECURE_COOKIES")
        get_settings.cache_clear()
    cookie = answer.headers["set-cookie"].lower()
    assert answer.status_code == 200
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" in cookie
