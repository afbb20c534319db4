"""The field grid (項目別確認, issue 17) in a real headless Chromium: a reviewer opens the
date field that waits on the most pages and confirms the run of dates with the keyboard
alone, typing over the ones the reader got wrong; the API then shows each of those values as
a reviewer's, no longer doubtful, and the pages back in the queue for their 確定."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from ledger.kit.text import normalise
from tests.browser.conftest import Site, log_in, shot

DATE_KEYS = ("vaccination_date", "birth_date")
TIMEOUT_MS = 30_000


def _focused(page: Page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def _run_of_dates(site: Site) -> tuple[str, list[int]]:
    """The date field doubtful on the most waiting pages, and those pages, as the API lists
    them. A run is two pages or more: fewer, and there is nothing to show the grid on."""
    counts = {row["key"]: row["pages"] for row in site.api.get("/api/field-grid").json()}
    key = max(DATE_KEYS, key=lambda k: counts.get(k, 0))
    cells = site.api.get(f"/api/field-grid/{key}").json()["cells"]
    assert len(cells) == counts.get(key, 0)
    assert len(cells) >= 2, f"the site has no run of doubtful dates to check: {counts}"
    return key, [cell["page_id"] for cell in cells]


def test_the_field_grid_confirms_a_run_of_dates_with_the_keyboard_alone(
        browser: Browser, site: Site) -> None:
    key, page_ids = _run_of_dates(site)
    page = log_in(browser, site, "reviewer1", "/review")
    expect(page.locator("#grid-link")).to_have_attribute("href", "/grid")
    page.goto(f"{site.url}/grid?field={key}")
    page.wait_for_selector("#grid", timeout=TIMEOUT_MS)
    rows = page.locator("tr.cell")
    assert [int(r.get_attribute("data-page") or 0) for r in rows.all()] == page_ids
    expect(page.locator(f"#grid-keys a[data-key={key}]")).to_have_class("current")

    # the cursor starts on the first row; the arrows and Tab move without keeping anything
    assert _focused(page) == f"v-{page_ids[0]}"
    page.keyboard.press("ArrowDown")
    assert _focused(page) == f"v-{page_ids[1]}"
    page.keyboard.press("Shift+Tab")
    assert _focused(page) == f"v-{page_ids[0]}"
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowUp")
    assert _focused(page) == f"v-{page_ids[0]}"
    expect(page.locator("tr.cell.done")).to_have_count(0)
    shot(page, "field-grid")

    typed = {}
    for index, page_id in enumerate(page_ids):
        assert _focused(page) == f"v-{page_id}"
        want = site.truths[page_id][key]
        if normalise(page.input_value(f"#v-{page_id}")) != normalise(want):
            page.keyboard.type(want)  # the value is selected: typing replaces it
            typed[page_id] = want
        page.keyboard.press("Enter")
        after = f"v-{page_ids[index + 1]}" if index + 1 < len(page_ids) else "back"
        assert _focused(page) == after
    expect(page.locator("tr.cell.done")).to_have_count(len(page_ids), timeout=TIMEOUT_MS)
    expect(page.locator("#done-count")).to_have_text(str(len(page_ids)))
    for page_id in page_ids:
        status = "✓ 訂正済み" if page_id in typed else "✓ 確認済み"
        expect(page.locator(f"#cell-{page_id} .status")).to_have_text(status)
    shot(page, "field-grid-done")

    for page_id in page_ids:
        state = site.page_state(page_id)
        field = next(f for f in state["fields"] if f["key"] == key)
        assert field["source"] == "reviewer", (page_id, field)
        assert normalise(field["value"]) == normalise(site.truths[page_id][key])
        assert not field["doubtful"] and key not in state["doubtful"]
        assert state["state"] in {"needs_review", "ready"} and state["lease_until"] is None
    left = site.api.get(f"/api/field-grid/{key}").json()["cells"]
    assert not {cell["page_id"] for cell in left} & set(page_ids)
