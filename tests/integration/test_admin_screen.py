"""The accounts screen (issue 14, item 9): an admin lists every account with its last login
and tokens, disables and enables accounts, changes roles and revokes single tokens by plain
form posts, each audited; no one else may, no other site may post them, and an admin cannot
lock themselves out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from accounts.csrf import SESSION_COOKIE
from accounts.users import hash_token, new_token
from models import ApiToken, AuditEvent, Role, User
from models.db import session_scope
from tests.inprocess import make_user

PASSWORD = "correct horse"
ORIGIN = {"Origin": "http://testserver"}


def _account(role: Role) -> tuple[int, str, str]:
    """A user with a password: id, user name and API token."""
    user_id, token = make_user(role)
    with session_scope() as session:
        user = session.get(User, user_id)
        user.set_password(PASSWORD)
        return user_id, user.username, token


def _screens(username: str) -> TestClient:
    """A browser logged in to the screens, posting from our own pages."""
    from yoshin.app import create_app

    client = TestClient(create_app(), follow_redirects=False, headers=ORIGIN)
    answer = client.post("/login", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    return client


def _api(token: str) -> TestClient:
    from yoshin.app import create_app

    return TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})


def _post(client: TestClient, path: str, **form: str) -> str:
    """Post a form as the screen does and return the message the list then shows."""
    answer = client.post(path, data=form)
    assert answer.status_code == 303, (path, answer.status_code, answer.text[:300])
    assert answer.headers["location"].startswith("/admin/users")
    page = client.get("/admin/users")
    assert page.status_code == 200
    found = re.search(r'id="flash">([^<]*)<', page.text)
    assert found, page.text[:500]
    return found.group(1)


def _row(html: str, user_id: int) -> str:
    """The account's row of the list (up to the next account's)."""
    rows = [part for part in html.split('<tr id="user-')[1:]
            if part.startswith(f'{user_id}"')]
    assert len(rows) == 1, f"no row for user {user_id}"
    return rows[0].split("</tbody>\n</table>\n</main>")[0]


def _audited(username: str) -> list[tuple[str, str]]:
    with session_scope() as session:
        return [(e.actor, e.action) for e in session.scalars(select(AuditEvent).where(
            AuditEvent.subject == f"user:{username}").order_by(AuditEvent.id))]


@pytest.fixture()
def admin(inprocess_db: Path) -> tuple[int, str, TestClient]:
    admin_id, username, _ = _account(Role.ADMIN)
    return admin_id, username, _screens(username)


def test_an_admin_sees_every_account_with_logins_and_tokens(
        admin: tuple[int, str, TestClient]) -> None:
    admin_id, admin_name, client = admin
    user_id, username, token = _account(Role.REVIEWER)
    _screens(username)  # a login, for the list's "last login"
    assert _api(token).get("/api/me").status_code == 200  # a token use
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert 'href="/admin/users"' in page.text  # the menu link, for admins
    row = _row(page.text, user_id)
    assert username in row and "有効" in row
    assert '<option value="reviewer" selected>' in row
    assert len(re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row)) >= 4  # login, use, token
    assert 'class="revoke-token"' in row and 'class="disable"' in row
    own = _row(page.text, admin_id)
    assert "（自分）" in own and 'class="disable"' not in own
    assert admin_name in own


def test_disable_then_enable_through_the_screen(admin: tuple[int, str, TestClient]) -> None:
    _, admin_name, client = admin
    user_id, username, token = _account(Role.REVIEWER)
    victim = _screens(username)
    assert victim.get("/review").status_code == 200

    message = _post(client, f"/admin/users/{user_id}/disable")
    assert f"{username} を無効にしました" in message and "1 件" in message
    assert 'data-active="no"' in _row(client.get("/admin/users").text, user_id)
    # the disabled account's session, token and password are refused at once
    assert victim.get("/review").status_code == 303
    assert victim.get("/api/me").status_code == 401
    assert _api(token).get("/api/me").status_code == 401
    from yoshin.app import create_app

    fresh = TestClient(create_app(), follow_redirects=False, headers=ORIGIN)
    assert fresh.post("/api/session", json={"username": username, "password": PASSWORD}
                      ).status_code == 401

    assert f"{username} を有効にしました" in _post(client, f"/admin/users/{user_id}/enable")
    assert _api(token).get("/api/me").status_code == 200
    assert victim.get("/api/me").status_code == 401  # an ended session stays ended
    assert _audited(username)[-2:] == [(admin_name, "user.disable"), (admin_name, "user.enable")]


def test_revoke_one_token_leaves_the_others(admin: tuple[int, str, TestClient]) -> None:
    _, admin_name, client = admin
    user_id, username, token = _account(Role.CLINIC)
    second = new_token()
    with session_scope() as session:
        session.add(ApiToken(user_id=user_id, name="spare", token_hash=hash_token(second)))
    with session_scope() as session:
        first_id = session.scalar(select(ApiToken.id).where(
            ApiToken.token_hash == hash_token(token)))
    assert f"{username} のトークン「test」を失効させました" in _post(
        client, f"/admin/users/{user_id}/tokens/{first_id}/revoke")
    assert _api(token).get("/api/me").status_code == 401
    assert _api(second).get("/api/me").status_code == 200
    row = _row(client.get("/admin/users").text, user_id)
    assert re.search(rf'<tr data-token="{first_id}" class="void">', row)
    assert "すでに失効" in _post(client, f"/admin/users/{user_id}/tokens/{first_id}/revoke")
    # a token named under another account is not found there
    other_id, _, _ = _account(Role.REVIEWER)
    assert "はありません" in _post(client, f"/admin/users/{other_id}/tokens/{first_id}/revoke")
    assert _audited(username)[-1] == (admin_name, "user.token.revoke")


def test_change_a_role(admin: tuple[int, str, TestClient]) -> None:
    _, admin_name, client = admin
    user_id, username, _ = _account(Role.REVIEWER)
    reviewer = _screens(username)
    assert reviewer.get("/second-check").status_code == 403
    message = _post(client, f"/admin/users/{user_id}/role", role="supervisor")
    assert f"{username} の役割を reviewer から supervisor に変更しました" in message
    assert reviewer.get("/second-check").status_code == 200  # from its next request
    assert "その役割はありません" in _post(client, f"/admin/users/{user_id}/role", role="root")
    with session_scope() as session:
        assert session.get(User, user_id).role == "supervisor"
    assert _audited(username)[-1] == (admin_name, "user.role")


def test_an_admin_cannot_lock_themselves_out(admin: tuple[int, str, TestClient]) -> None:
    admin_id, _, client = admin
    assert "自分のアカウントは無効にできません" in _post(client, f"/admin/users/{admin_id}/disable")
    assert "自分の管理者の役割は外せません" in _post(
        client, f"/admin/users/{admin_id}/role", role="reviewer")
    with session_scope() as session:
        me = session.get(User, admin_id)
        assert me.active and me.role == "admin"
    assert client.get("/admin/users").status_code == 200


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.REVIEWER])
def test_other_roles_are_refused(inprocess_db: Path, role: Role) -> None:
    target_id, _, _ = _account(Role.SCANNER)
    _, username, token = _account(role)
    client = _screens(username)
    page = client.get("/admin/users")
    assert page.status_code == 403 and "この画面を使う権限がありません" in page.text
    assert client.get("/review").status_code == 200
    assert 'href="/admin/users"' not in client.get("/review").text
    for action in ("disable", "enable"):
        assert client.post(f"/admin/users/{target_id}/{action}").status_code == 403
    assert client.post(f"/admin/users/{target_id}/role", data={"role": "admin"}
                       ).status_code == 403
    by_token = _api(token).post(f"/admin/users/{target_id}/disable", follow_redirects=False)
    assert by_token.status_code == 303  # the screens take a screen session only
    assert by_token.headers["location"].startswith("/login")
    with session_scope() as session:
        target = session.get(User, target_id)
        assert target.active and target.role == "scanner"


def test_a_cross_site_post_is_refused(admin: tuple[int, str, TestClient]) -> None:
    _, _, client = admin
    user_id, _, _ = _account(Role.REVIEWER)
    cookie = client.cookies[SESSION_COOKIE]
    from yoshin.app import create_app

    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Referer": "https://evil.example/form"}, {}):
        forged = TestClient(create_app(), follow_redirects=False, headers=headers,
                            cookies={SESSION_COOKIE: cookie})
        answer = forged.post(f"/admin/users/{user_id}/disable")
        assert answer.status_code == 403, (headers, answer.status_code)
        answer = forged.post(f"/admin/users/{user_id}/role", data={"role": "admin"})
        assert answer.status_code == 403, headers
    with session_scope() as session:
        user = session.get(User, user_id)
        assert user.active and user.role == "reviewer"
