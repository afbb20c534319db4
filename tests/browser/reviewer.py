"""A scripted reviewer: works a page on the review screen with the keyboard alone, typing
the paper's value into each field the screen puts the cursor on. Used by the browser tests
and by scripts/review_bench.py, which reports keystrokes and seconds per page."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Page

from ledger.checks.validation import validate
from ledger.kit.text import normalise

TIMEOUT_MS = 30_000


@dataclass
class Worked:
    page_id: int
    keystrokes: int
    fields_visited: int
    corrected: list[str]
    decision: str
    """confirm, or reject for a form that cannot become a record (a deferred vaccination)."""


def _focused(page: Page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def work_page(page: Page, truths: dict[int, dict[str, str]]) -> Worked:
    """Review the page the browser is on and confirm (or reject) it; returns what it took."""
    page.wait_for_selector("#review", timeout=TIMEOUT_MS)
    page_id = int(page.get_attribute("#review", "data-page"))
    truth = truths[page_id]
    keys, visited, corrected = 0, 0, []
    page.wait_for_function("document.activeElement && document.activeElement.id",
                           timeout=TIMEOUT_MS)
    while (focused := _focused(page)).startswith("f-"):
        key = focused[2:]
        visited += 1
        want = truth.get(key)
        if want is not None and normalise(page.input_value(f"#{focused}")) != normalise(want):
            page.keyboard.type(want)
            keys += len(want)
            corrected.append(key)
        page.keyboard.press("Enter")
        keys += 1
        if visited > 80:
            raise AssertionError("the cursor did not leave the fields")
    page.wait_for_load_state("networkidle")
    if validate(truth):
        page.keyboard.press("Alt+r")
        page.keyboard.type("医師が見合わせと判断")
        with page.expect_navigation(timeout=TIMEOUT_MS):
            page.keyboard.press("Enter")
        return Worked(page_id, keys + 2 + len("医師が見合わせと判断"), visited, corrected, "reject")
    if page.get_attribute("#review", "data-resident") == "" and \
            page.text_content("#resident-status") == "未照合":
        page.keyboard.press("Alt+1")
        keys += 1
        page.wait_for_function(
            "document.getElementById('resident-status').textContent !== '未照合'",
            timeout=TIMEOUT_MS)
    with page.expect_navigation(timeout=TIMEOUT_MS):
        page.keyboard.press("Control+Enter")
    keys += 1
    page.wait_for_load_state("networkidle")
    return Worked(page_id, keys, visited, corrected, "confirm")
