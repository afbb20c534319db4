"""The accounts screen in a real headless Chromium under the Content-Security-Policy: an
admin opens it from the menu, disables an account by clicking, and the account is refused.

A running `yoshin serve` of its own on the embedded default (no worker and no forms: this
screen needs only accounts), so it does not wait for the package's read batch."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import password, shot
from tests.conftest import ARTIFACTS
from tests.stack import Stack

ACCOUNTS = {"admin-ui": "admin", "clerk-ui": "reviewer"}
VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


@pytest.fixture(scope="module")
def accounts_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("admin-screen")
    logs = ARTIFACTS / "logs" / "admin-screen"
    logs.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    env |= {"YOSHIN_HOME": str(root / "home"), "YOSHIN_PASSKEY_ROLES": "[]"}
    stack = Stack(home=root / "home", env=env, logs=logs)
    try:
        stack.run("db", "upgrade")
        for username, role in ACCOUNTS.items():
            stack.run("users", "create", username, "--role", role,
                      "--password", password(username))
        stack.start_api()
        yield stack
    finally:
        stack.stop_all()


def test_an_admin_disables_an_account_by_clicking(browser: Browser,
                                                   accounts_site: Stack) -> None:
    url = accounts_site.url
    token = re.search(r"(ysn_\S+)", accounts_site.run(
        "users", "create", "clerk-ui", "--role", "reviewer", "--token").stdout)
    assert token is not None
    clerk_api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token.group(1)}"})
    assert clerk_api.get("/api/me").status_code == 200

    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ja-JP")
    context.add_init_script(VIOLATIONS)
    console: list[str] = []
    page = context.new_page()
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{url}/login")
    page.fill("input[name=username]", "admin-ui")
    page.fill("input[name=password]", password("admin-ui"))
    page.keyboard.press("Enter")
    page.wait_for_url(lambda address: "/login" not in address)

    with page.expect_navigation():
        page.click("nav a[href='/admin/users']")
    row = page.locator("#accounts > tbody > tr[data-user='clerk-ui']")
    expect(row).to_have_attribute("data-active", "yes")
    expect(row.locator("tr[data-token]")).to_have_count(1)
    expect(page.locator("#accounts > tbody > tr[data-user='admin-ui'] button.disable")
           ).to_have_count(0)
    shot(page, "admin-users")

    with page.expect_navigation():
        row.locator("button.disable").click()
    expect(page.locator("#flash")).to_contain_text("clerk-ui を無効にしました")
    expect(row).to_have_attribute("data-active", "no")
    expect(row.locator("button.enable")).to_have_count(1)
    assert clerk_api.get("/api/me").status_code == 401
    shot(page, "admin-users-disabled")

    assert page.evaluate("window.__cspViolations") == []
    assert not [text for text in console if "Content Security Policy" in text], console
