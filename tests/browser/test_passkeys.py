"""Passkeys in a real headless Chromium with a virtual authenticator (Chrome DevTools'
WebAuthn domain: an internal platform authenticator that verifies its user, as a fingerprint
unlock would): a supervisor logs in with the password, enrols a passkey, logs out, logs in
with the password and the passkey and reaches the second-check screen, all under the
Content-Security-Policy.

A `yoshin serve` of its own on the embedded default, visited as http://localhost:PORT (an IP
address cannot be a WebAuthn relying party id)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import password, shot
from tests.conftest import ARTIFACTS
from tests.stack import Stack

VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""
SUPERVISOR = "boss-pk"


@pytest.fixture(scope="module")
def passkey_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("passkeys")
    logs = ARTIFACTS / "logs" / "passkeys"
    logs.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    stack = Stack(home=root / "home", env=env, logs=logs)
    env |= {"YOSHIN_HOME": str(root / "home"), "YOSHIN_WEBAUTHN_RP_ID": "localhost",
            "YOSHIN_WEBAUTHN_ORIGIN": f"http://localhost:{stack.port}"}
    try:
        stack.run("db", "upgrade")
        stack.run("users", "create", SUPERVISOR, "--role", "supervisor",
                  "--password", password(SUPERVISOR))
        stack.start_api()
        yield stack
    finally:
        stack.stop_all()


def _password_login(page: Page, url: str) -> None:
    page.goto(f"{url}/login?next=/second-check")
    page.fill("input[name=username]", SUPERVISOR)
    page.fill("input[name=password]", password(SUPERVISOR))
    page.keyboard.press("Enter")


def test_a_supervisor_enrols_and_then_uses_a_passkey(browser: Browser,
                                                      passkey_site: Stack) -> None:
    url = f"http://localhost:{passkey_site.port}"
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="ja-JP")
    context.add_init_script(VIOLATIONS)
    console: list[str] = []
    page = context.new_page()
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    device = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})["authenticatorId"]

    # the password alone: the passkey screen, which enrols the first passkey
    _password_login(page, url)
    page.wait_for_url(lambda address: "/second-check" in address and "/login" not in address,
                      timeout=20000)
    expect(page.locator("#who")).to_contain_text(SUPERVISOR)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": device})["credentials"]
    assert len(credentials) == 1
    assert credentials[0]["isResidentCredential"] is True
    shot(page, "passkey-enrolled")

    with page.expect_navigation():
        page.click("#logout")
    page.goto(f"{url}/second-check")
    page.wait_for_url(lambda address: "/login" in address)

    # the password again, then the passkey
    _password_login(page, url)
    page.wait_for_url(lambda address: "/second-check" in address and "/login" not in address,
                      timeout=20000)
    expect(page.locator("#who")).to_contain_text(SUPERVISOR)
    credentials = cdp.send("WebAuthn.getCredentials", {"authenticatorId": device})["credentials"]
    assert credentials[0]["signCount"] >= 2
    shot(page, "passkey-second-check")

    assert page.evaluate("window.__cspViolations") == []
    assert not [line for line in console if "Content Security Policy" in line], console
    context.close()


def test_a_password_alone_stays_on_the_passkey_screen(browser: Browser,
                                                       passkey_site: Stack) -> None:
    """Without an authenticator the ceremony waits for one, and nothing else opens."""
    url = f"http://localhost:{passkey_site.port}"
    context = browser.new_context(locale="ja-JP")
    context.add_init_script(VIOLATIONS)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")  # no authenticator: navigator.credentials waits for one
    _password_login(page, url)
    page.wait_for_url(lambda address: "/login/passkey" in address)
    expect(page.locator("#passkey-status")).to_contain_text("パスキー", timeout=20000)
    page.goto(f"{url}/second-check")
    page.wait_for_url(lambda address: "/login?" in address)
    assert page.evaluate("window.__cspViolations") == []
    context.close()
