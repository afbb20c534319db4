"""Notices (個別通知, issue 17) in a real headless Chromium against the site's own server and
Celery worker: a supervisor runs a mailing for a programme and month on the notice screen,
watches it drawn and downloads the PDF (a letter and a personal form per person); then one
personal form of a mailing, printed and scanned back at 300 dpi, is uploaded on the batch
screen and matched to its person by the serial in its QR."""

from __future__ import annotations

import csv
import io
import re
import secrets
from pathlib import Path

import psycopg
import pytest
from pdf2image import convert_from_path
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from tests.browser.conftest import Site, log_in, shot
from tests.stack import wait_for

MONTH = "2026-06"
CHILDREN = {"通知 春子": "2025-06-05", "通知 夏男": "2025-06-20"}
"""MR 1期 becomes due on the day a child is 12 months old: both in June 2026, a month that
is past whatever day the test runs, so they are due and new in it."""
TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def children(site: Site, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two children of the register due for MR in MONTH, imported as the city imports its
    register extract; name → 宛名番号."""
    path = tmp_path_factory.mktemp("notices") / "children.csv"
    atena = {name: f"NT{secrets.token_hex(4)}" for name in CHILDREN}
    with path.open("w", encoding="utf-8", newline="") as handle:
        rows = csv.writer(handle)
        rows.writerow(["atena_number", "my_number", "name", "name_kana", "birth_date", "sex",
                       "address"])
        for name, born in CHILDREN.items():
            rows.writerow([atena[name], "", name, "ツウチ コドモ", born, "F",
                           "千葉県松戸市根本387番地の5"])
    site.stack.run("residents", "import", str(path))
    return atena


def _pdf_pages_text(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def test_a_supervisor_runs_a_mailing_and_downloads_the_pdf(
        browser: Browser, site: Site, children: dict[str, str], tmp_path: Path) -> None:
    page = log_in(browser, site, "supervisor1", "/review")
    page.click("#notices-link")
    page.wait_for_url(re.compile(r".*/notices$"))
    page.wait_for_selector("#programme option[value=mr]", state="attached")
    page.select_option("#programme", "mr")
    page.fill("#month", MONTH)
    page.click("#run")
    expect(page.locator("#message")).to_contain_text("受け付けました")
    newest = page.locator("#runs tbody tr").first
    run_id = int((newest.get_attribute("id") or "run-0").removeprefix("run-"))
    expect(newest).to_have_attribute("data-state", "done", timeout=TIMEOUT_MS)
    run = site.api.get(f"/api/notice-runs/{run_id}").json()
    assert (run["programme"], run["month"], run["state"], run["progress"]) \
        == ("mr", MONTH, "done", run["people"])
    assert run["people"] >= len(children)
    shot(page, "notices-done")

    with page.expect_download() as info:
        newest.locator("a.pdf").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    texts = _pdf_pages_text(saved)
    assert len(texts) == 2 * run["people"]
    letters = "\n".join(texts[0::2])
    for name, atena in children.items():
        assert f"{name} 様" in letters and f"宛名番号 {atena}" in letters
    assert site.api.get("/api/notice-runs").json()[0]["id"] == run_id  # listed, newest first


def test_a_failed_run_is_run_again_from_the_screen(
        browser: Browser, site: Site, children: dict[str, str]) -> None:
    """A run the worker could not draw (a full disk, say) shows why and a 再実行 button; the
    supervisor presses it and the run is drawn again from the serials it issued."""
    answer = site.api.post("/api/notice-runs", json={"programme": "mr", "month": MONTH})
    run_id = answer.json()["id"]
    wait_for(lambda: site.api.get(f"/api/notice-runs/{run_id}").json()["state"] == "done",
             120, "the notice run to be drawn")
    url = site.stack.env["YOSHIN_DATABASE_URL"].replace("+psycopg", "")
    with psycopg.connect(url, autocommit=True) as connection:  # as a worker's failure leaves it
        connection.execute("UPDATE notice_runs SET state = 'failed', reason = %s, "
                           "pdf_sha256 = NULL, csv_sha256 = NULL WHERE id = %s",
                           ("描画できませんでした (rendering failed): OSError", run_id))
    page = log_in(browser, site, "supervisor1", "/notices")
    row = page.locator(f"#run-{run_id}")
    expect(row).to_have_attribute("data-state", "failed")
    expect(row).to_contain_text("rendering failed")
    row.locator("button.retry").click()
    expect(page.locator("#message")).to_contain_text("もう一度作成します")
    expect(row).to_have_attribute("data-state", "done", timeout=TIMEOUT_MS)
    expect(row.locator("a.pdf")).to_be_visible()
    shot(page, "notices-retried")


def _mailing(site: Site) -> tuple[Path, list[dict[str, str]]]:
    """A fresh mailing for MONTH, drawn by the site's worker: its PDF and its CSV rows."""
    answer = site.api.post("/api/notice-runs", json={"programme": "mr", "month": MONTH})
    assert answer.status_code == 202, answer.text
    run_id = answer.json()["id"]
    wait_for(lambda: site.api.get(f"/api/notice-runs/{run_id}").json()["state"] == "done",
             120, "the notice run to be drawn")
    pdf = site.api.get(f"/api/notice-runs/{run_id}/pdf")
    path = site.sample_dir.parent / f"notices-{run_id}.pdf"
    path.write_bytes(pdf.content)
    mailing = site.api.get(f"/api/notice-runs/{run_id}/csv").content.decode("utf-8-sig")
    return path, list(csv.DictReader(io.StringIO(mailing)))


def test_a_scanned_personal_form_is_matched_by_its_serial(
        browser: Browser, site: Site, children: dict[str, str], tmp_path: Path) -> None:
    pdf, rows = _mailing(site)
    first = rows[0]  # page 2 of the PDF is the first envelope's personal form
    assert first["pages"] == "1-2"
    scan = tmp_path / "personal-form.png"
    convert_from_path(str(pdf), dpi=300, first_page=2, last_page=2,
                      grayscale=True)[0].save(scan, dpi=(300, 300))

    page = log_in(browser, site, "scanner1", "/batches")
    page.set_input_files("#files", [str(scan)])
    page.wait_for_url(re.compile(r".*/batches/\d+$"))
    expect(page.locator("body")).to_have_attribute("data-read", "done", timeout=TIMEOUT_MS)
    batch_id = int(page.url.rsplit("/", 1)[1])
    shot(page, "notices-personal-form-read")
    (read,) = site.api.get(f"/api/batches/{batch_id}").json()["pages"]
    state = site.page_state(read["id"])
    try:
        assert state["resident_id"] is not None, state
        resident = site.api.get(f"/api/residents/{state['resident_id']}").json()
        assert resident["atena_number"] == first["atena_number"]
        fields = {field["key"]: field for field in state["fields"]}
        assert fields["notice_serial"]["value"] == first["serial"]
        assert not fields["notice_serial"]["problem"]
        for key in ("name", "birth_date", "address"):
            assert fields[key]["source"] == "register", (key, fields[key])
    finally:
        # out of the review queue, so the other screens' tests never meet this page
        if site.api.post(f"/api/pages/{read['id']}/open").status_code == 200:
            site.api.post(f"/api/pages/{read['id']}/reject",
                          json={"reason": "試験用の予診票"}).raise_for_status()
