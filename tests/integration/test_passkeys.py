"""Passkeys as the second factor of supervisors and admins (issue 14, item 9): after the right
password such a user is only half logged in, which opens nothing but the passkey ceremony;
a passkey (WebAuthn with user verification) is enrolled the first time and asked for after.

The browser's part is played here by a small software authenticator (an ES256 key, "none"
attestation); tests/browser/test_passkeys.py runs the same flow in Chromium."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from models import AuditEvent, Passkey, Role, User
from models.db import session_scope
from models.settings import get_settings
from tests.inprocess import make_user

PASSWORD = "correct horse"
ORIGIN = {"Origin": "http://testserver"}
WEB_ORIGIN = "http://localhost:8000"
RP_ID = "localhost"


@pytest.fixture(autouse=True)
def passkeys_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The default roles (the other tests switch passkeys off in tests/conftest.py)."""
    monkeypatch.setenv("YOSHIN_PASSKEY_ROLES", '["supervisor", "admin"]')
    monkeypatch.delenv("YOSHIN_WEBAUTHN_ORIGIN", raising=False)
    monkeypatch.delenv("YOSHIN_WEBAUTHN_RP_ID", raising=False)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


class Authenticator:
    """A platform authenticator that always verifies its user (UV) and counts signatures."""

    def __init__(self, origin: str = WEB_ORIGIN, rp_id: str = RP_ID) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0
        self.origin, self.rp_id = origin, rp_id

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}).encode()

    def _auth_data(self, flags: int, extra: bytes = b"") -> bytes:
        self.counter += 1
        return (hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags])
                + struct.pack(">I", self.counter) + extra)

    def create(self, options: dict[str, Any]) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})
        attested = (bytes(16) + struct.pack(">H", len(self.credential_id))
                    + self.credential_id + cose)
        auth_data = self._auth_data(0x01 | 0x04 | 0x40, attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        name = bytes_to_base64url(self.credential_id)
        return {"id": name, "rawId": name, "type": "public-key", "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": bytes_to_base64url(
                        self._client_data("webauthn.create", options["challenge"])),
                    "attestationObject": bytes_to_base64url(attestation)}}

    def get(self, options: dict[str, Any], verified: bool = True) -> dict[str, Any]:
        client_data = self._client_data("webauthn.get", options["challenge"])
        auth_data = self._auth_data(0x01 | (0x04 if verified else 0))
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        name = bytes_to_base64url(self.credential_id)
        return {"id": name, "rawId": name, "type": "public-key", "clientExtensionResults": {},
                "response": {"clientDataJSON": bytes_to_base64url(client_data),
                             "authenticatorData": bytes_to_base64url(auth_data),
                             "signature": bytes_to_base64url(signature)}}


def _account(role: Role) -> tuple[str, str]:
    """A user with a password: user name and API token."""
    user_id, token = make_user(role)
    with session_scope() as session:
        user = session.get(User, user_id)
        user.set_password(PASSWORD)
        return user.username, token


def _half_logged_in(username: str) -> TestClient:
    from yoshin.app import create_app

    client = TestClient(create_app(), follow_redirects=False)
    answer = client.post("/api/session", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    assert answer.json()["second_factor"] == "passkey"
    return client


def _options(client: TestClient, ceremony: str) -> dict[str, Any]:
    answer = client.post("/api/session/passkey/options", json={}, headers=ORIGIN)
    assert answer.status_code == 200, answer.text
    assert answer.json()["ceremony"] == ceremony
    return answer.json()["options"]


def _enrolled(username: str) -> Authenticator:
    client = _half_logged_in(username)
    device = Authenticator()
    options = _options(client, "register")
    answer = client.post("/api/session/passkey/verify", json=device.create(options),
                         headers=ORIGIN)
    assert answer.status_code == 200, answer.text
    return device


def _audited(username: str, action: str) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.actor == username, AuditEvent.action == action)) or 0


def test_a_password_alone_opens_nothing_for_a_supervisor(inprocess_db: Path) -> None:
    username, _ = _account(Role.SUPERVISOR)
    client = _half_logged_in(username)
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/second-check").status_code == 401
    assert client.get("/api/pages/1").status_code == 401
    for screen in ("/second-check", "/review", "/batches", "/reports", "/admin/users"):
        answer = client.get(screen)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), \
            screen
    # the screen login form sends it to the passkey screen, not to the page asked for
    client = _half_logged_in(username)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "next": "/second-check"}, headers=ORIGIN)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login/passkey?next=/second-check"
    assert client.get("/login/passkey").status_code == 200
    assert client.get("/second-check").status_code == 303


def test_enrolment_then_login_with_the_passkey(inprocess_db: Path) -> None:
    username, _ = _account(Role.SUPERVISOR)
    client = _half_logged_in(username)
    options = _options(client, "register")
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["rp"]["id"] == RP_ID
    device = Authenticator()
    answer = client.post("/api/session/passkey/verify", json=device.create(options),
                         headers=ORIGIN)
    assert answer.status_code == 200, answer.text
    assert client.get("/api/me").json()["username"] == username
    assert client.get("/api/second-check").status_code == 200
    assert _audited(username, "passkey.register") == 1

    again = _half_logged_in(username)
    options = _options(again, "login")
    assert options["userVerification"] == "required"
    assert options["allowCredentials"][0]["id"] == bytes_to_base64url(device.credential_id)
    answer = again.post("/api/session/passkey/verify", json=device.get(options), headers=ORIGIN)
    assert answer.status_code == 200, answer.text
    assert again.get("/api/second-check").status_code == 200
    assert again.get("/second-check").status_code == 200
    assert _audited(username, "passkey.login") == 1
    with session_scope() as session:
        key = session.scalar(select(Passkey).where(
            Passkey.credential_id == bytes_to_base64url(device.credential_id)))
        assert key is not None and key.sign_count == device.counter
        assert key.last_used_at is not None


def test_a_wrong_or_replayed_assertion_is_refused(inprocess_db: Path) -> None:
    username, _ = _account(Role.ADMIN)
    device = _enrolled(username)
    client = _half_logged_in(username)

    stranger = Authenticator()  # a key the server does not know, under the same name
    stranger.credential_id = device.credential_id
    refused = client.post("/api/session/passkey/verify",
                          json=stranger.get(_options(client, "login")), headers=ORIGIN)
    assert refused.status_code == 400
    assert client.get("/api/second-check").status_code == 401

    unverified = client.post("/api/session/passkey/verify",
                             json=device.get(_options(client, "login"), verified=False),
                             headers=ORIGIN)
    assert unverified.status_code == 400  # user verification is required

    assertion = device.get(_options(client, "login"))
    assert client.post("/api/session/passkey/verify", json=assertion,
                       headers=ORIGIN).status_code == 200
    # the same answer again, from another half-logged-in session: its challenge differs
    other = _half_logged_in(username)
    _options(other, "login")
    assert other.post("/api/session/passkey/verify", json=assertion,
                      headers=ORIGIN).status_code == 400
    # and with no ceremony running at all
    assert other.post("/api/session/passkey/verify", json=assertion,
                      headers=ORIGIN).status_code == 400
    assert other.get("/api/second-check").status_code == 401
    assert _audited(username, "passkey.failed") >= 4


def test_without_a_password_there_is_no_ceremony(inprocess_db: Path) -> None:
    from yoshin.app import create_app

    client = TestClient(create_app(), follow_redirects=False)
    assert client.post("/api/session/passkey/options", json={},
                       headers=ORIGIN).status_code == 401
    assert client.get("/login/passkey").status_code == 303


def test_a_reviewer_is_not_asked_and_tokens_keep_working(inprocess_db: Path) -> None:
    from yoshin.app import create_app

    reviewer, _ = _account(Role.REVIEWER)
    client = TestClient(create_app(), follow_redirects=False)
    answer = client.post("/api/session", json={"username": reviewer, "password": PASSWORD})
    assert answer.status_code == 200 and "second_factor" not in answer.json()
    assert client.get("/api/me").status_code == 200

    _, token = _account(Role.SUPERVISOR)
    scripted = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    assert scripted.get("/api/second-check").status_code == 200


def test_reset_passkeys_lets_a_new_device_enrol(inprocess_db: Path) -> None:
    from typer.testing import CliRunner

    from yoshin.cli import app

    username, _ = _account(Role.SUPERVISOR)
    _enrolled(username)
    done = CliRunner().invoke(app, ["users", "reset-passkeys", username])
    assert done.exit_code == 0, done.output
    assert "1 passkey(s) removed" in done.output
    client = _half_logged_in(username)
    _options(client, "register")
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "passkey.reset", AuditEvent.subject == f"user:{username}")) == 1


def test_base64url_round_trip() -> None:
    assert base64url_to_bytes(bytes_to_base64url(b"\xff\x00")) == b"\xff\x00"
