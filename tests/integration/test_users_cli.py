"""The account lifecycle on the command line (issue 14, item 9): list, disable, enable,
set-role, revoke-tokens, and `users create --token` saying (or ending) what it leaves
working. Every change is in the audit log."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from accounts.csrf import SESSION_COOKIE
from models import AuditEvent, LoginSession, User
from models.db import session_scope
from yoshin.cli import app

PASSWORD = "correct horse"


def _cli(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == code, result.output
    return result.output


def _new_user(role: str = "reviewer") -> str:
    username = f"u{secrets.token_hex(3)}"
    _cli("users", "create", username, "--role", role, "--password", PASSWORD)
    return username


def _token(output: str) -> str:
    found = re.search(r"(ysn_\S+)", output)
    assert found, output
    return found.group(1)


def _api(token: str | None = None, cookie: str | None = None) -> TestClient:
    from yoshin.app import create_app

    return TestClient(create_app(), follow_redirects=False,
                      headers={"Authorization": f"Bearer {token}"} if token else {},
                      cookies={SESSION_COOKIE: cookie} if cookie else {})


def _log_in(username: str, password: str = PASSWORD) -> str:
    client = _api()
    answer = client.post("/api/session", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return client.cookies[SESSION_COOKIE]


def _actions(username: str) -> list[str]:
    with session_scope() as session:
        return list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.subject == f"user:{username}").order_by(AuditEvent.id)))


def test_disable_ends_sessions_and_refuses_tokens_until_enabled(inprocess_db: Path) -> None:
    username = _new_user()
    token = _token(_cli("users", "create", username, "--role", "reviewer", "--token"))
    cookie = _log_in(username)
    assert _api(token).get("/api/me").status_code == 200
    assert _api(cookie=cookie).get("/api/me").status_code == 200

    assert "1 open session(s) ended" in _cli("users", "disable", username)
    assert _api(token).get("/api/me").status_code == 401
    assert _api(cookie=cookie).get("/api/me").status_code == 401
    assert _api().post("/api/session", json={"username": username, "password": PASSWORD}
                       ).status_code == 401
    listing = _cli("users", "list")
    assert re.search(rf"{username}\s.*reviewer\s.*no\s", listing), listing
    # saving the account again does not quietly enable it
    assert "stays disabled" in _cli("users", "create", username, "--role", "reviewer",
                                    "--password", PASSWORD)
    assert _api(token).get("/api/me").status_code == 401

    _cli("users", "enable", username)
    assert _api(token).get("/api/me").status_code == 200
    assert _api(cookie=cookie).get("/api/me").status_code == 401  # that session stays ended
    assert _log_in(username)
    assert re.search(rf"{username}\s.*reviewer\s.*yes\s", _cli("users", "list"))
    assert _actions(username)[-1] == "user.enable" and "user.disable" in _actions(username)


def test_set_role_takes_effect_at_once(inprocess_db: Path) -> None:
    username = _new_user("supervisor")
    cookie = _log_in(username)
    assert _api(cookie=cookie).get("/api/me").json()["role"] == "supervisor"
    assert "supervisor → reviewer" in _cli("users", "set-role", username, "reviewer")
    assert _api(cookie=cookie).get("/api/me").json()["role"] == "reviewer"
    assert _actions(username)[-1] == "user.role"
    _cli("users", "set-role", username, "emperor", code=2)


def test_revoke_tokens(inprocess_db: Path) -> None:
    username = _new_user()
    first = _token(_cli("users", "create", username, "--role", "reviewer", "--token"))
    second_output = _cli("users", "create", username, "--role", "reviewer", "--token")
    second = _token(second_output)
    assert "2 working tokens" in second_output and "earlier ones keep working" in second_output
    assert _api(first).get("/api/me").status_code == 200
    assert "2 token(s) revoked" in _cli("users", "revoke-tokens", username)
    assert _api(first).get("/api/me").status_code == 401
    assert _api(second).get("/api/me").status_code == 401
    assert "user.tokens.revoke" in _actions(username)


def test_create_token_can_replace_the_earlier_ones(inprocess_db: Path) -> None:
    username = _new_user()
    first = _token(_cli("users", "create", username, "--role", "reviewer", "--token"))
    output = _cli("users", "create", username, "--role", "reviewer", "--token",
                  "--replace-tokens")
    second = _token(output)
    assert "1 earlier token(s)" in output
    assert _api(first).get("/api/me").status_code == 401
    assert _api(second).get("/api/me").status_code == 200
    assert {"user.token.create", "user.tokens.revoke"} <= set(_actions(username))


def test_a_new_password_from_the_command_line_ends_the_sessions(inprocess_db: Path) -> None:
    username = _new_user()
    cookie = _log_in(username)
    _cli("users", "create", username, "--role", "reviewer", "--password", "battery staple")
    with session_scope() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        reasons = session.scalars(select(LoginSession.ended_reason)
                                  .where(LoginSession.user_id == user_id)).all()
    assert reasons == ["password"]
    assert _api(cookie=cookie).get("/api/me").status_code == 401
    assert _log_in(username, "battery staple")
    assert "user.password" in _actions(username)


def test_unknown_account(inprocess_db: Path) -> None:
    for command in ("disable", "enable", "revoke-tokens"):
        assert "no user" in _cli("users", command, "no-such-person", code=1)
