"""Helpers for tests that run the application inside the test process (embedded default)."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient

from accounts.users import hash_token, new_token
from models import ApiToken, Role, User
from models.db import session_scope


def make_user(role: Role) -> tuple[int, str]:
    """A fresh user of the role and an API token for it."""
    token = new_token()
    with session_scope() as session:
        user = User(username=f"{role.value}-{secrets.token_hex(4)}", role=role)
        session.add(user)
        session.add(ApiToken(user=user, name="test", token_hash=hash_token(token)))
        session.flush()
        return user.id, token


def client_as(role: Role) -> TestClient:
    from yoshin.app import create_app

    _, token = make_user(role)
    return TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
