"""The passkey ceremony (WebAuthn), the second factor of the roles the settings name: sign in
with one of the user's passkeys, or enrol the first. The challenge is kept on the login
session's row and answers once, whatever the answer; every outcome is audited.
The HTTP side is `accounts.session_api`'s."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from accounts.login import set_challenge, take_challenge
from accounts.users import user_passkeys
from models import audit
from models.base import utcnow
from models.settings import get_settings
from models.users import Passkey, User


class PasskeyRefused(Exception):
    """The browser's answer was not accepted; the refusal is audited already (with the
    reason, which the person is not told) and the challenge is spent."""


def options(session: Session, *, user: User, session_id: int) -> dict[str, Any]:
    """Start the ceremony: sign in with a passkey if the user has one, else enrol one."""
    settings = get_settings()
    keys = user_passkeys(session, user.id)
    made: Any
    if keys:
        made = generate_authentication_options(
            rp_id=settings.webauthn_rp_id,
            allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id))
                               for key in keys],
            user_verification=UserVerificationRequirement.REQUIRED)
        ceremony = "login"
    else:
        made = generate_registration_options(
            rp_id=settings.webauthn_rp_id, rp_name="Yoshin",
            user_id=f"yoshin-user-{user.id}".encode(), user_name=user.username,
            user_display_name=user.display_name or user.username,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.PREFERRED,
                user_verification=UserVerificationRequirement.REQUIRED))
        ceremony = "register"
    set_challenge(session, session_id, f"{ceremony}:{bytes_to_base64url(made.challenge)}")
    return {"ceremony": ceremony, "options": json.loads(options_to_json(made))}


def _enrol(session: Session, user: User, answer: dict[str, Any], challenge: str) -> str:
    settings = get_settings()
    made = verify_registration_response(
        credential=answer, expected_challenge=base64url_to_bytes(challenge),
        expected_rp_id=settings.webauthn_rp_id, expected_origin=settings.webauthn_origin,
        require_user_verification=True)
    session.add(Passkey(user_id=user.id, credential_id=bytes_to_base64url(made.credential_id),
                        public_key=made.credential_public_key, sign_count=made.sign_count,
                        name=str(answer.get("name") or "passkey")[:64], last_used_at=utcnow()))
    return "passkey.register"


def _sign_in(session: Session, user: User, answer: dict[str, Any], challenge: str) -> str:
    settings = get_settings()
    key = session.scalar(select(Passkey).where(Passkey.user_id == user.id,
                                               Passkey.credential_id == str(answer.get("id"))))
    if key is None:
        raise ValueError("not one of this user's passkeys")
    checked = verify_authentication_response(
        credential=answer, expected_challenge=base64url_to_bytes(challenge),
        expected_rp_id=settings.webauthn_rp_id, expected_origin=settings.webauthn_origin,
        credential_public_key=key.public_key,
        credential_current_sign_count=key.sign_count, require_user_verification=True)
    key.sign_count, key.last_used_at = checked.new_sign_count, utcnow()
    return "passkey.login"


def _refused(session: Session, user: User, client: str, why: str) -> PasskeyRefused:
    audit.record(session, actor=user.username, action="passkey.failed", subject=client[:128],
                 detail={"why": why[:200]})
    return PasskeyRefused(why)


def verify(session: Session, *, user: User, session_id: int, answer: dict[str, Any],
           client: str) -> None:
    """Check the browser's answer to the running ceremony (`PasskeyRefused` if it fails)."""
    ceremony, _, challenge = take_challenge(session, session_id).partition(":")
    if not challenge:
        raise _refused(session, user, client, "no ceremony running")
    step = _enrol if ceremony == "register" else _sign_in
    try:
        action = step(session, user, answer, challenge)
    except Exception as error:  # noqa: BLE001 - any malformed or wrong answer is a refusal
        raise _refused(session, user, client, f"{type(error).__name__}: {error}") from None
    audit.record(session, actor=user.username, action=action, subject=client[:128])
