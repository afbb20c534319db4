"""Security headers and cache control (issue 14, item 10): every answer carries a
Content-Security-Policy without inline scripts, frame-ancestors 'none', nosniff and a
Referrer-Policy; HSTS when the cookie is HTTPS-only; `Cache-Control: no-store` on everything
but the static files; the CDN-backed API docs only when enabled. And the screens still work
under that policy in a real Chromium, with no violation reported."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from models import Role
from models.settings import get_settings
from review_ui.screens import STATIC_DIR
from tests.conftest import ARTIFACTS
from tests.inprocess import client_as
from tests.stack import Stack, wait_for

TEMPLATES = Path(STATIC_DIR).parent / "templates"
CHROMIUM = os.environ.get("YOSHIN_CHROMIUM", "/usr/bin/chromium")


def _csp(answer: httpx.Response) -> dict[str, str]:
    policy = answer.headers["content-security-policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else ""
            for d in (part.strip() for part in policy.split(";")) if d}


def _app_client(**settings: object) -> Iterator[TestClient]:
    from yoshin.app import create_app

    current = get_settings()
    before = {name: getattr(current, name) for name in settings}
    for name, value in settings.items():
        setattr(current, name, value)
    try:
        yield TestClient(create_app(), base_url="https://testserver")
    finally:
        for name, value in before.items():
            setattr(current, name, value)


@pytest.fixture
def anonymous(inprocess_db: Path) -> Iterator[TestClient]:
    yield from _app_client()


def _assert_protected(answer: httpx.Response) -> None:
    directives = _csp(answer)
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in answer.headers["content-security-policy"]
    assert "'unsafe-eval'" not in answer.headers["content-security-policy"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] in {"same-origin", "no-referrer"}
    assert answer.headers["x-frame-options"] == "DENY"


def test_screens_and_api_answers_carry_the_policy_and_are_never_cached(
        anonymous: TestClient, inprocess_db: Path) -> None:
    login = anonymous.get("/login")
    assert login.status_code == 200
    redirected = anonymous.get("/review", follow_redirects=False)
    refused = anonymous.get("/api/residents")
    health = anonymous.get("/health")
    missing = anonymous.get("/no/such/page")
    for answer in (login, redirected, refused, health, missing):
        _assert_protected(answer)
        assert answer.headers["cache-control"] == "no-store", answer.url
        assert "strict-transport-security" not in answer.headers  # cookies not HTTPS-only

    supervisor = client_as(Role.SUPERVISOR)
    for path in ("/api/residents?q=a", "/api/reports/claims?year=2026&month=1"):
        answer = supervisor.get(path)
        _assert_protected(answer)
        assert answer.headers["cache-control"] == "no-store", path


def test_a_cross_site_refusal_carries_the_headers_too(anonymous: TestClient) -> None:
    anonymous.cookies.set("yoshin_session", "x")
    answer = anonymous.post("/logout", headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403
    _assert_protected(answer)
    assert answer.headers["cache-control"] == "no-store"


def test_static_files_keep_their_caching_but_are_not_sniffed(anonymous: TestClient) -> None:
    answer = anonymous.get("/static/review.js")
    assert answer.status_code == 200
    assert "no-store" not in answer.headers.get("cache-control", "")
    assert answer.headers["x-content-type-options"] == "nosniff"
    _assert_protected(answer)


def test_hsts_only_when_the_cookie_is_https_only(inprocess_db: Path) -> None:
    for client in _app_client(secure_cookies=True):
        hsts = client.get("/login").headers["strict-transport-security"]
        assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 180 * 86400


def test_the_cdn_backed_api_docs_are_off_unless_enabled(anonymous: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        assert anonymous.get(path).status_code == 404
    assert anonymous.get("/openapi.json").status_code == 200
    for client in _app_client(api_docs=True):
        docs = client.get("/docs")
        assert docs.status_code == 200 and "cdn.jsdelivr.net" in docs.text
        assert "https://cdn.jsdelivr.net" in _csp(docs)["script-src"]
        assert _csp(docs)["frame-ancestors"] == "'none'"
        assert docs.headers["cache-control"] == "no-store"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def test_no_template_holds_an_inline_script_or_handler() -> None:
    templates = sorted(TEMPLATES.glob("*.html"))
    assert templates
    for template in templates:
        text = template.read_text(encoding="utf-8")
        assert not INLINE_SCRIPT.search(text), template.name
        assert not HANDLER.search(text), template.name
        assert "javascript:" not in text.lower(), template.name
        assert not re.search(r"\sstyle\s*=", text), template.name


# --- the screens in Chromium under the policy ---------------------------------------------

USERS = {"csp-reviewer": "reviewer", "csp-supervisor": "supervisor"}
VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


def _password(username: str) -> str:
    return f"pw-{username}-2026"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, int]]:
    """An embedded installation with one form read and waiting for review."""
    from samples.generate import generate_set

    root = tmp_path_factory.mktemp("csp")
    made = generate_set(root / "set", count=1, seed=20261202, quality="clean")
    logs = ARTIFACTS / "logs" / "csp"
    logs.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    env |= {"YOSHIN_HOME": str(root / "home"), "YOSHIN_AUTO_COMMIT_READY": "false",
            "YOSHIN_TASK_RETRY_DELAY": "0.5", "YOSHIN_PASSKEY_ROLES": "[]"}
    stack = Stack(home=root / "home", env=env, logs=logs)
    try:
        stack.run("db", "upgrade")
        for kind, path in (("residents", made.residents_csv), ("tickets", made.tickets_csv),
                           ("lots", made.lots_csv), ("clinics", made.clinics_csv)):
            stack.run(kind, "import", str(path))
        for username, role in USERS.items():
            stack.run("users", "create", username, "--role", role,
                      "--password", _password(username))
        stack.start_api()
        stack.start_worker(concurrency=1)
        api = stack.user("csp-admin", "admin")
        with made.batch_pdf.open("rb") as handle:
            answer = api.post("/api/batches",
                              files={"files": ("batch.pdf", handle, "application/pdf")})
        answer.raise_for_status()
        batch_id = answer.json()["id"]
        wait_for(lambda: api.get(f"/api/batches/{batch_id}").json()["read"] == 1, 300,
                 "the form to be read")
        yield stack, batch_id
    finally:
        stack.stop_all()


def test_the_screens_work_in_chromium_with_no_policy_violation(
        site: tuple[Stack, int]) -> None:
    from playwright.sync_api import expect, sync_playwright

    stack, batch_id = site
    console: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            def log_in(username: str, target: str):  # noqa: ANN202 - a Playwright page
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                context.add_init_script(VIOLATIONS)
                page = context.new_page()
                page.on("console", lambda message: console.append(message.text))
                page.goto(f"{stack.url}/login?next={target}")
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", _password(username))
                page.keyboard.press("Enter")
                page.wait_for_url(lambda url: "/login" not in url)
                page.wait_for_load_state("networkidle")
                return page

            def violations(page) -> list[str]:  # noqa: ANN001
                return page.evaluate("window.__cspViolations")

            # The queue (queue.js) and the review screen (review.js): N opens the next page,
            # the cursor starts on a field, the image shows and the zoom buttons work.
            page = log_in("csp-reviewer", "/review")
            page.keyboard.press("n")
            page.wait_for_url(re.compile(r".*/review/\d+$"))
            page.wait_for_function("document.getElementById('scan').naturalWidth > 0")
            page.wait_for_function("document.activeElement && document.activeElement.id")
            page.click("#zoom-in")
            expect(page.locator("#zoom-text")).not_to_have_text("100%")
            assert violations(page) == []

            # The batch screen (batch.js with its event stream) and the upload screen.
            page.goto(f"{stack.url}/batches/{batch_id}")
            expect(page.locator("body")).to_have_attribute("data-read", "done", timeout=60_000)
            assert violations(page) == []
            page.goto(f"{stack.url}/batches")
            page.wait_for_load_state("networkidle")
            assert violations(page) == []

            # Reports (reports.js) and the resident screen (resident.js) as a supervisor.
            page = log_in("csp-supervisor", "/reports")
            page.locator("form[data-report] button").first.click()
            expect(page.locator("#message")).to_contain_text("行", timeout=30_000)
            assert violations(page) == []
            page.goto(f"{stack.url}/residents/1")
            page.click("#show-my-number")
            expect(page.locator("#my-number")).to_have_text(re.compile(r"^\d{12}$"))
            assert violations(page) == []

            # The control: a script slipped into a screen is refused, and that is seen.
            page.evaluate("""() => { const s = document.createElement("script");
                s.textContent = "window.__inlineRan = true"; document.body.appendChild(s); }""")
            page.wait_for_function("window.__cspViolations.length > 0")
            assert page.evaluate("window.__inlineRan") is None
            assert violations(page)[0].startswith("script-src")
            console[:] = [text for text in console if "inline script" not in text]
        finally:
            browser.close()
    refused = [text for text in console if "Content Security Policy" in text]
    assert refused == []
