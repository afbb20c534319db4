"""The login brake (issue 14, item 6, and item 11's password-as-user-name): guesses with
made-up names from one address never lock out the real accounts behind it, each account is
braked by its own failures, forwarded addresses are believed from configured proxies only,
and a name that is no account is never stored as typed."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from accounts.login import ADDRESS_FACTOR
from models import AuditEvent, Role, User
from models.db import session_scope
from models.settings import get_settings
from tests.inprocess import make_user

PASSWORD = "correct horse"


def _account() -> str:
    user_id, _ = make_user(Role.REVIEWER)
    with session_scope() as session:
        user = session.get(User, user_id)
        user.set_password(PASSWORD)
        return user.username


def _client(address: str) -> TestClient:
    from yoshin.app import create_app

    return TestClient(create_app(), client=(address, 40000))


def _login(client: TestClient, username: str, password: str, **headers: str) -> int:
    return client.post("/api/session", json={"username": username, "password": password},
                       headers=headers).status_code


def _audit(actor: str | None = None, subject: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id)
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    if subject is not None:
        query = query.where(AuditEvent.subject == subject)
    with session_scope() as session:
        return list(session.scalars(query))


def test_guessed_names_from_one_address_lock_out_no_real_account(inprocess_db: Path) -> None:
    """Behind the compose layout every colleague comes from the gateway's address."""
    gateway = f"172.18.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    colleague, typo = _account(), _account()
    client = _client(gateway)
    limit = get_settings().login_max_failures * ADDRESS_FACTOR
    for _ in range(limit):
        assert _login(client, f"nobody-{secrets.token_hex(4)}", "guess") == 401
    assert _login(client, f"nobody-{secrets.token_hex(4)}", "guess") == 429
    # a real account with its right password: only its own failures brake it
    assert _login(client, colleague, PASSWORD) == 200
    # a wrong password from the braked address is answered as a made-up name would be …
    assert _login(client, typo, "wrong") == 429
    # … yet the account itself is not locked: the right password still works
    assert _login(client, typo, PASSWORD) == 200
    # and the made-up names stay braked from that address, not from another
    assert _login(client, f"nobody-{secrets.token_hex(4)}", "guess") == 429
    assert _login(_client("192.0.2.44"), f"nobody-{secrets.token_hex(4)}", "guess") == 401


def test_an_account_is_braked_by_its_own_failures_from_any_address(inprocess_db: Path
                                                                    ) -> None:
    username = _account()
    limit = get_settings().login_max_failures
    for n in range(limit):
        assert _login(_client(f"198.51.100.{n + 1}"), username, "guess") == 401
    assert _login(_client("198.51.100.200"), username, PASSWORD) == 429


def test_a_name_that_is_no_account_is_not_stored_as_typed(inprocess_db: Path) -> None:
    """People type their password into the name field."""
    address = f"203.0.113.{secrets.randbelow(250) + 1}"
    typed = f"Tr0ub4dor&3-{secrets.token_hex(4)}"
    client = _client(address)
    assert _login(client, typed, "whatever") == 401
    assert _login(client, typed, "again") == 401
    with session_scope() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.subject == address)))
        assert session.scalar(select(AuditEvent.id).where(
            AuditEvent.actor.contains(typed))) is None
    assert [e.action for e in events] == ["login.failed", "login.failed"]
    actors = {e.actor for e in events}
    assert len(actors) == 1 and actors.pop().startswith("unknown:")  # the same name, hashed
    assert all(typed not in str(e.detail) for e in events)


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(
        inprocess_db: Path, settings_env: pytest.MonkeyPatch) -> None:
    username = _account()
    stranger = f"192.0.2.{secrets.randbelow(250) + 1}"
    claimed = f"203.0.113.{secrets.randbelow(250) + 1}"
    # no proxy configured: a client's X-Forwarded-For changes nothing
    assert _login(_client(stranger), username, "guess", **{"X-Forwarded-For": claimed}) == 401
    assert [e.subject for e in _audit(actor=username)] == [stranger]

    settings_env.setenv("YOSHIN_TRUSTED_PROXIES", '["10.20.0.0/16"]')
    get_settings.cache_clear()
    assert _login(_client("10.20.0.5"), username, "guess",
                  **{"X-Forwarded-For": f"{claimed}, 10.20.0.9"}) == 401
    assert _login(_client(stranger), username, "guess",
                  **{"X-Forwarded-For": "198.51.100.1"}) == 401  # not a proxy of ours
    assert [e.subject for e in _audit(actor=username)] == [stranger, claimed, stranger]


def test_the_server_leaves_forwarded_headers_to_the_setting(
        inprocess_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn's own default believes X-Forwarded-For from 127.0.0.1; `yoshin serve` turns
    that off so `trusted_proxies` is the only list."""
    import uvicorn
    from typer.testing import CliRunner

    import models.migrate
    from yoshin.cli import app

    seen: dict[str, object] = {}
    monkeypatch.setattr(models.migrate, "upgrade", lambda: None)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    assert CliRunner().invoke(app, ["serve"]).exit_code == 0
    assert seen["proxy_headers"] is False
