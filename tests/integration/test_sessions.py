"""Screen sessions live on the server (issue 14, item 5; item 11's login CSRF and event
stream): a cookie is only a random id, and logout, disabling, a new password and the idle
and absolute timeouts end its session at once, so a replayed cookie opens nothing."""

from __future__ import annotations

import hashlib
import string
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from accounts.csrf import SESSION_COOKIE
from models import LoginSession, Role, User
from models.base import utcnow
from models.db import session_scope
from models.settings import get_settings
from tests.inprocess import make_user

PASSWORD = "correct horse"
ORIGIN = {"Origin": "http://testserver"}


def _account(role: Role = Role.REVIEWER) -> tuple[int, str, str]:
    """A user with a password: id, user name and API token."""
    user_id, token = make_user(role)
    with session_scope() as session:
        user = session.get(User, user_id)
        user.set_password(PASSWORD)
        return user_id, user.username, token


def _logged_in(username: str) -> TestClient:
    from yoshin.app import create_app

    client = TestClient(create_app(), follow_redirects=False)
    answer = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return client


def _replay(cookie: str) -> TestClient:
    """Another browser presenting a copied cookie."""
    from yoshin.app import create_app

    return TestClient(create_app(), follow_redirects=False, cookies={SESSION_COOKIE: cookie})


def _row(cookie: str) -> LoginSession | None:
    with session_scope() as session:
        return session.scalar(select(LoginSession).where(
            LoginSession.token_hash == hashlib.sha256(cookie.encode()).hexdigest()))


def test_a_cookie_replayed_after_logout_opens_nothing(inprocess_db: Path) -> None:
    _, username, _ = _account()
    client = _logged_in(username)
    cookie = client.cookies[SESSION_COOKIE]
    assert _replay(cookie).get("/api/me").status_code == 200
    assert client.delete("/api/session", headers=ORIGIN).status_code == 204
    replayed = _replay(cookie)
    assert replayed.get("/api/me").status_code == 401
    screen = replayed.get("/review")
    assert screen.status_code == 303 and screen.headers["location"].startswith("/login")
    row = _row(cookie)
    assert row is not None and row.ended_at is not None and row.ended_reason == "logout"


def test_screen_logout_ends_the_session_too(inprocess_db: Path) -> None:
    from yoshin.app import create_app

    _, username, _ = _account()
    client = TestClient(create_app(), follow_redirects=False)
    assert client.post("/login", data={"username": username, "password": PASSWORD},
                       headers=ORIGIN).status_code == 303
    cookie = client.cookies[SESSION_COOKIE]
    assert client.post("/logout", headers=ORIGIN).status_code == 303
    assert _replay(cookie).get("/review").status_code == 303


def test_the_cookie_is_a_random_id_kept_only_as_a_hash(inprocess_db: Path) -> None:
    user_id, username, _ = _account()
    first = _logged_in(username).cookies[SESSION_COOKIE]
    second = _logged_in(username).cookies[SESSION_COOKIE]
    assert first != second and len(first) >= 40
    # only a random id: no signed data (Starlette's cookie was base64 JSON.time.signature)
    assert set(first) <= set(string.ascii_letters + string.digits + "-_")
    row = _row(first)
    assert row is not None and row.user_id == user_id and row.ended_at is None
    with session_scope() as session:
        hashes = session.scalars(select(LoginSession.token_hash)).all()
    assert first not in hashes and second not in hashes


def test_logging_in_again_replaces_the_session(inprocess_db: Path) -> None:
    """A session id someone planted before the login is not the one used after it."""
    _, username, _ = _account()
    client = _logged_in(username)
    before = client.cookies[SESSION_COOKIE]
    assert client.post("/api/session", json={"username": username, "password": PASSWORD}
                       ).status_code == 200
    after = client.cookies[SESSION_COOKIE]
    assert after != before
    assert _replay(before).get("/api/me").status_code == 401
    assert _replay(after).get("/api/me").status_code == 200


def test_disabling_ends_the_sessions_for_good(inprocess_db: Path) -> None:
    from accounts.users import disable, enable

    user_id, username, token = _account()
    cookie = _logged_in(username).cookies[SESSION_COOKIE]
    with session_scope() as session:
        assert disable(session, session.get(User, user_id), actor="test") == 1
    assert _replay(cookie).get("/api/me").status_code == 401
    with session_scope() as session:
        enable(session, session.get(User, user_id), actor="test")
    # enabled again: the ended session stays ended, the token (never revoked) works again
    assert _replay(cookie).get("/api/me").status_code == 401
    from yoshin.app import create_app

    assert TestClient(create_app(), headers={"Authorization": f"Bearer {token}"}
                      ).get("/api/me").status_code == 200
    row = _row(cookie)
    assert row is not None and row.ended_reason == "disabled"


def test_a_new_password_ends_the_sessions(inprocess_db: Path) -> None:
    user_id, username, _ = _account()
    cookie = _logged_in(username).cookies[SESSION_COOKIE]
    with session_scope() as session:  # however the password is changed
        session.get(User, user_id).set_password("battery staple")
    assert _replay(cookie).get("/api/me").status_code == 401
    row = _row(cookie)
    assert row is not None and row.ended_reason == "password"


def test_idle_and_absolute_timeouts(inprocess_db: Path, settings_env: pytest.MonkeyPatch
                                    ) -> None:
    _, username, _ = _account()
    idle = _logged_in(username).cookies[SESSION_COOKIE]
    old = _logged_in(username).cookies[SESSION_COOKIE]
    now = utcnow()
    with session_scope() as session:
        session.execute(update(LoginSession).where(
            LoginSession.token_hash == hashlib.sha256(idle.encode()).hexdigest())
            .values(last_seen_at=now - timedelta(minutes=45)))
        session.execute(update(LoginSession).where(
            LoginSession.token_hash == hashlib.sha256(old.encode()).hexdigest())
            .values(created_at=now - timedelta(hours=5), last_seen_at=now))
    settings_env.setenv("YOSHIN_SESSION_IDLE_MINUTES", "60")
    settings_env.setenv("YOSHIN_SESSION_MAX_HOURS", "6")
    get_settings.cache_clear()
    assert _replay(idle).get("/api/me").status_code == 200  # 45 min idle, 60 allowed
    assert _replay(old).get("/api/me").status_code == 200  # 5 h old, 6 allowed
    with session_scope() as session:
        session.execute(update(LoginSession).where(
            LoginSession.token_hash == hashlib.sha256(idle.encode()).hexdigest())
            .values(last_seen_at=now - timedelta(minutes=45)))
    settings_env.setenv("YOSHIN_SESSION_IDLE_MINUTES", "30")
    settings_env.setenv("YOSHIN_SESSION_MAX_HOURS", "4")
    get_settings.cache_clear()
    assert _replay(idle).get("/api/me").status_code == 401
    assert _replay(old).get("/api/me").status_code == 401
    assert _row(idle).ended_reason == "idle"
    assert _row(old).ended_reason == "expired"


def test_a_message_for_the_next_screen_survives_the_redirect(inprocess_db: Path) -> None:
    from yoshin.app import create_app

    _, username, _ = _account(Role.SCANNER)
    client = TestClient(create_app())
    assert client.post("/login", data={"username": username, "password": PASSWORD},
                       headers=ORIGIN).status_code == 200
    shown = client.get("/batches/999999")
    assert shown.status_code == 200 and "バッチ 999999 はありません。" in shown.text
    assert "バッチ 999999 はありません。" not in client.get("/batches").text  # shown once


def test_a_login_posted_from_another_site_is_refused(inprocess_db: Path) -> None:
    """Login CSRF: another site's form must not log the victim in as the attacker."""
    from yoshin.app import create_app

    _, username, _ = _account()
    client = TestClient(create_app(), follow_redirects=False)
    for origin in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                   {"Referer": "https://evil.example/form"}):
        forged = client.post("/login", data={"username": username, "password": PASSWORD},
                             headers=origin)
        assert forged.status_code == 403 and SESSION_COOKIE not in forged.cookies
        assert client.post("/api/session", json={"username": username, "password": PASSWORD},
                           headers=origin).status_code == 403
    assert client.get("/api/me").status_code == 401
    assert client.post("/login", data={"username": username, "password": PASSWORD},
                       headers=ORIGIN).status_code == 303
    assert client.get("/api/me").status_code == 200


def _stream_ends(client: TestClient, batch_id: int, end_it: object) -> float:
    """Seconds from `end_it()` until the batch's event stream closes."""
    ended_at: list[float] = []
    with client.stream("GET", f"/api/batches/{batch_id}/events") as answer:
        assert answer.status_code == 200
        lines = answer.iter_lines()
        assert next(lines).startswith("event: progress")
        timer = threading.Timer(0.2, lambda: (end_it(), ended_at.append(time.monotonic())))
        timer.start()
        for _ in lines:
            pass
        closed = time.monotonic()
    timer.join()
    return closed - ended_at[0]


def _unread_batch(user_id: int) -> int:
    """A batch of one page that no worker reads (a blank page of its own, never a duplicate)."""
    import io
    import secrets

    from PIL import Image

    from intake.batches import create_batch, received

    image = Image.new("L", (800, 1100), 255)
    image.putdata([secrets.randbelow(2) * 255 for _ in range(64)] + [255] * (800 * 1100 - 64))
    data = io.BytesIO()
    image.save(data, format="PNG")
    data.seek(0)
    with received([("blank.png", data)]) as uploads, session_scope() as session:
        batch = create_batch(session, session.get(User, user_id), uploads, queue=False)
        return batch.id


def test_the_progress_stream_stops_when_the_account_is_disabled(
        inprocess_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import intake.api
    from accounts.users import disable
    from yoshin.app import create_app

    monkeypatch.setattr(intake.api, "EVENT_LIMIT", 8)
    user_id, _, token = _account(Role.SCANNER)
    batch_id = _unread_batch(user_id)
    client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})

    def disable_it() -> None:
        with session_scope() as session:
            disable(session, session.get(User, user_id), actor="test")

    assert _stream_ends(client, batch_id, disable_it) < 4


def test_the_progress_stream_stops_when_its_session_ends(
        inprocess_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import intake.api

    monkeypatch.setattr(intake.api, "EVENT_LIMIT", 8)
    user_id, username, _ = _account(Role.SCANNER)
    batch_id = _unread_batch(user_id)
    client = _logged_in(username)
    other_tab = _replay(client.cookies[SESSION_COOKIE])

    def log_out() -> None:
        assert other_tab.delete("/api/session", headers=ORIGIN).status_code == 204

    assert _stream_ends(client, batch_id, log_out) < 4
