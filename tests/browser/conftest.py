"""A running Yoshin (real `yoshin serve` and `yoshin worker` on PostgreSQL and Redis) with a
batch of generated office-quality forms already read, and a real headless Chromium."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import ARTIFACTS
from tests.stack import Stack, postgres_database, redis_database, wait_for

CHROMIUM = os.environ.get("YOSHIN_CHROMIUM", "/usr/bin/chromium")
PAGES = 10
SEED = 5112032
"""A set whose reader leaves two vaccination dates doubtful, for the field grid's run
(tests/browser/test_field_grid.py): seed 5112027 left one once dates with writing along a
line were read with the line put back, 5112028 one once the date was underlined."""
USERS = {"scanner1": "scanner", "reviewer1": "reviewer", "reviewer2": "reviewer",
         "supervisor1": "supervisor"}
SHOTS = ARTIFACTS / "screenshots"


def password(username: str) -> str:
    return f"pw-{username}-2026"


@dataclass
class Site:
    stack: Stack
    api: httpx.Client
    """An admin's API client, for checking what the screens did."""
    batch_id: int
    truths: dict[int, dict[str, str]]
    """page id → the truth of the form on it."""
    sample_dir: Path

    @property
    def url(self) -> str:
        return self.stack.url

    def page_state(self, page_id: int) -> dict:
        answer = self.api.get(f"/api/pages/{page_id}")
        answer.raise_for_status()
        return answer.json()


@pytest.fixture(scope="package")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from samples.generate import generate_set

    root = tmp_path_factory.mktemp("browser")
    made = generate_set(root / "set", count=PAGES, seed=SEED, quality="office")
    logs = ARTIFACTS / "logs" / "browser"
    logs.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    env |= {"YOSHIN_HOME": str(root / "home"), "YOSHIN_AUTO_COMMIT_READY": "false",
            "YOSHIN_TASK_RETRY_DELAY": "0.5", "YOSHIN_PASSKEY_ROLES": "[]"}
    with postgres_database() as database, redis_database() as broker:
        env |= {"YOSHIN_DATABASE_URL": database, "YOSHIN_BROKER_URL": broker}
        stack = Stack(home=root / "home", env=env, logs=logs)
        try:
            stack.run("db", "upgrade")
            for kind, path in (("residents", made.residents_csv), ("tickets", made.tickets_csv),
                               ("lots", made.lots_csv), ("clinics", made.clinics_csv)):
                stack.run(kind, "import", str(path))
            for username, role in USERS.items():
                stack.run("users", "create", username, "--role", role,
                          "--password", password(username))
            stack.start_api()
            stack.start_worker(concurrency=2)
            api = stack.user("admin1", "admin")
            with made.batch_pdf.open("rb") as handle:
                answer = api.post("/api/batches", files={"files": ("batch.pdf", handle,
                                                                   "application/pdf")})
            answer.raise_for_status()
            batch = answer.json()
            wait_for(lambda: api.get(f"/api/batches/{batch['id']}").json()["read"] == PAGES,
                     600, "the batch to be read")
            truths = [json.loads(p.with_suffix(".json").read_text())["fields"]
                      for p in made.pages]
            by_page = {p["id"]: truths[p["sequence"] - 1] for p in batch["pages"]}
            yield Site(stack, api, batch["id"], by_page, made.directory)
        finally:
            stack.stop_all()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


def log_in(browser: Browser, site: Site, username: str, target: str = "/") -> Page:
    """A fresh browser context, logged in through the login screen."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{site.url}/login?next={target}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password(username))
    page.keyboard.press("Enter")
    # Wait for the redirect away from the login screen: "networkidle" alone could return
    # before the form was posted, leaving the next step to run without the session.
    page.wait_for_url(lambda url: "/login" not in url)
    page.wait_for_load_state("networkidle")
    return page


def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
