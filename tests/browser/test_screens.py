"""The screens in a real headless Chromium: log in, upload and watch, review with the
keyboard alone, reject, two reviewers on one page, the second check, the resident view and
a role refused. Screenshots go to test-artifacts/screenshots."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Browser, expect

from ledger.kit.calendar import fiscal_year
from ledger.kit.vaccines import CATALOG
from tests.browser.conftest import Site, log_in, shot
from tests.browser.reviewer import work_page


def _open_next(page, site: Site) -> int:  # noqa: ANN001 - a Playwright page
    page.goto(f"{site.url}/review")
    page.keyboard.press("n")
    page.wait_for_url(re.compile(r".*/review/\d+$"))
    return int(page.get_attribute("#review", "data-page"))


def test_login_upload_and_watch_the_batch_finish(browser: Browser, site: Site) -> None:
    page = log_in(browser, site, "scanner1", "/batches")
    expect(page.locator("#who")).to_contain_text("scanner1")
    scans = sorted(p for p in site.sample_dir.glob("page-000[12].*") if p.suffix != ".json")
    assert len(scans) == 2
    page.set_input_files("#files", [str(p) for p in scans])
    page.wait_for_url(re.compile(r".*/batches/\d+$"))
    expect(page.locator("body")).to_have_attribute("data-read", "done", timeout=120_000)
    expect(page.locator("#progress-text")).to_contain_text("読取 2 / 2")
    expect(page.locator("#pages li")).to_have_count(2)
    for item in page.locator("#pages li").all():
        assert item.get_attribute("data-state") in {"needs_review", "ready"}
    shot(page, "batch-progress")
    page.click("#logout")
    page.wait_for_url(re.compile(r".*/login$"))
    page.goto(f"{site.url}/batches")
    page.wait_for_url(re.compile(r".*/login\?next=/batches$"))


def test_review_with_the_keyboard_alone_and_confirm_into_the_ledger(
        browser: Browser, site: Site) -> None:
    page = log_in(browser, site, "reviewer1", "/review")
    shot(page, "queue")
    page_id = _open_next(page, site)
    doubtful = page.locator("tr.field.doubtful")
    focused = page.evaluate("document.activeElement.id")
    assert doubtful.count() == 0 or focused == f"f-{doubtful.first.get_attribute('data-key')}"
    shot(page, "review")
    worked = work_page(page, site.truths)
    while worked.decision == "reject":  # a deferred vaccination: rejected, try the next
        assert site.page_state(worked.page_id)["state"] == "rejected"
        page_id = int(page.get_attribute("#review", "data-page"))
        worked = work_page(page, site.truths)
    assert worked.page_id == page_id
    state = site.page_state(page_id)
    assert state["state"] in {"confirmed", "second_check"}, state
    if state["state"] == "second_check":
        assert site.api.post(f"/api/pages/{page_id}/approve").status_code == 200
    truth = site.truths[page_id]
    resident = site.api.get(f"/api/residents/{site.page_state(page_id)['resident_id']}").json()
    assert resident["name"].replace(" ", "") == truth["name"].replace(" ", "")
    assert [(r["vaccinated_on"], r["lot_number"], r["page_id"]) for r in resident["records"]] \
        == [(truth["vaccination_date"], truth["lot_number"], page_id)]

    page.goto(f"{site.url}/residents/{resident['id']}")
    expect(page.locator("#records tbody tr")).to_have_count(1)
    expect(page.locator("#records")).to_contain_text(truth["lot_number"])
    page.locator("#records details.ledger-items summary").click()
    items = page.locator("#records details.ledger-items dl")
    for label in ("接種日年齢", "年度末年齢", "接種判定", "請求月", "実費徴収区分", "接種年度"):
        expect(items).to_contain_text(label)
    expect(page.locator("#records details.ledger-items summary")).to_have_text("有効")
    expect(page.locator("#my-number")).not_to_contain_text(re.compile(r"\d{4}"))
    expect(page.locator("#history")).to_contain_text("ledger.record.create")
    shot(page, "resident")


def test_reject_a_page_with_a_reason(browser: Browser, site: Site) -> None:
    page = log_in(browser, site, "reviewer1", "/review")
    page_id = _open_next(page, site)
    page.keyboard.press("Alt+r")
    expect(page.locator("#reject-reason")).to_be_focused()
    page.keyboard.type("記入者の署名がない")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    state = site.page_state(page_id)
    assert state["state"] == "rejected" and state["reason"] == "記入者の署名がない"


def test_two_reviewers_never_work_on_the_same_page(browser: Browser, site: Site) -> None:
    first = log_in(browser, site, "reviewer1", "/review")
    page_id = _open_next(first, site)
    second = log_in(browser, site, "reviewer2", "/review")
    second.goto(f"{site.url}/review/{page_id}")
    second.wait_for_url(re.compile(r".*/review(/\d+)?$"))
    expect(second.locator("#flash")).to_contain_text("他の確認者が作業中")
    if second.locator("#review").count():
        assert int(second.get_attribute("#review", "data-page")) != page_id
    shot(second, "lease-refused")
    first.keyboard.press("Alt+p")  # put aside: back to the queue for anyone
    first.wait_for_url(re.compile(r".*/review$"))
    assert site.page_state(page_id)["state"] == "needs_review"


def test_a_changed_identifier_needs_a_second_person(browser: Browser, site: Site) -> None:
    reviewer = log_in(browser, site, "reviewer2", "/review")
    page_id = _open_next(reviewer, site)
    reviewer.keyboard.press("Alt+a")
    name = reviewer.locator("#f-name")
    name.focus()
    name.select_text()
    reviewer.keyboard.type("試験 訂正")
    reviewer.keyboard.press("Enter")
    reviewer.wait_for_load_state("networkidle")
    if reviewer.text_content("#resident-status") == "未照合":
        reviewer.keyboard.press("Alt+1")
        expect(reviewer.locator("#resident-status")).not_to_have_text("未照合")
    with reviewer.expect_navigation():
        reviewer.keyboard.press("Control+Enter")
    assert site.page_state(page_id)["state"] == "second_check"

    reviewer.goto(f"{site.url}/second-check")
    expect(reviewer.locator("body")).to_contain_text("権限がありません")

    supervisor = log_in(browser, site, "supervisor1", "/second-check")
    supervisor.click(f"a[href='/second-check/{page_id}']")
    supervisor.wait_for_load_state("networkidle")
    row = supervisor.locator("#changes tr[data-key=name]")
    expect(row.locator(".after")).to_have_text("試験 訂正")
    shot(supervisor, "second-check")
    with supervisor.expect_navigation():
        supervisor.keyboard.press("a")
    state = site.page_state(page_id)
    assert state["state"] == "confirmed"


def test_a_scanner_is_refused_the_review_screens(browser: Browser, site: Site) -> None:
    page = log_in(browser, site, "scanner1", "/batches")
    response = page.goto(f"{site.url}/review")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("この画面を使う権限がありません")
    expect(page.locator("nav")).not_to_contain_text("確認キュー")
    shot(page, "refused")


def test_wrong_password_is_refused(browser: Browser, site: Site) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{site.url}/login")
    page.fill("input[name=username]", "reviewer1")
    page.fill("input[name=password]", "not the password")
    page.keyboard.press("Enter")
    expect(page.locator(".error")).to_contain_text("ユーザー名またはパスワードが違います")


def test_only_a_supervisor_may_show_a_my_number_and_it_is_audited(
        browser: Browser, site: Site) -> None:
    resident_id = next(site.page_state(p)["resident_id"] for p in site.truths
                       if site.page_state(p)["resident_id"])
    reviewer = log_in(browser, site, "reviewer1", f"/residents/{resident_id}")
    expect(reviewer.locator("#my-number")).to_have_text("●●●● ●●●● ●●●●")
    expect(reviewer.locator("#show-my-number")).to_have_count(0)
    supervisor = log_in(browser, site, "supervisor1", f"/residents/{resident_id}")
    supervisor.click("#show-my-number")
    expect(supervisor.locator("#my-number")).to_have_text(re.compile(r"^\d{12}$"))
    supervisor.reload()
    expect(supervisor.locator("#history")).to_contain_text("resident.my_number.show")


def test_a_supervisor_reads_the_reports_on_screen_without_my_numbers(
        browser: Browser, site: Site) -> None:
    confirmed = next(p for p in site.truths if site.page_state(p)["state"] == "confirmed")
    given, day = site.truths[confirmed]["vaccine"], site.truths[confirmed]["vaccination_date"]
    page = log_in(browser, site, "supervisor1", "/reports")
    form = page.locator("form[data-report=due]")
    form.locator("select[name=programme]").select_option(CATALOG[given].disease)
    form.locator("input[name=on]").fill("2030-01-01")
    form.locator("button").click()
    expect(page.locator("#message")).to_contain_text("行")
    expect(page.locator("#report thead")).to_contain_text("atena_number")
    assert not re.search(r"\d{12}", page.locator("#report").inner_text())
    shot(page, "reports")
    statutory = page.locator("form[data-report=statutory]")
    statutory.locator("input[name=year]").fill(str(fiscal_year(date.fromisoformat(day))))
    statutory.locator("button").click()
    expect(page.locator("#report thead")).to_contain_text("mistakes")
    reviewer = log_in(browser, site, "reviewer1", "/reports")
    expect(reviewer.locator("h1")).to_have_text("この画面を使う権限がありません")


def test_a_supervisor_issues_downloads_and_revokes_a_certificate(
        browser: Browser, site: Site, tmp_path) -> None:  # noqa: ANN001 - pytest's tmp_path
    import json
    import zlib

    import numpy as np
    import zxingcpp
    from jwcrypto import jwk, jws
    from pdf2image import convert_from_path

    confirmed = next(p for p in site.truths if site.page_state(p)["state"] == "confirmed")
    resident_id = site.page_state(confirmed)["resident_id"]
    page = log_in(browser, site, "supervisor1", f"/residents/{resident_id}")
    form = page.locator("#issue-certificate")
    assert form.locator("input[name=family_name_romaji]").input_value().isupper()
    form.locator("input[name=passport_number]").fill("TK1234567")
    form.locator("input[name=nationality]").fill("JAPAN")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("#flash")).to_contain_text("を発行しました")
    row = page.locator("#certificate-list tr.issued")
    expect(row).to_contain_text("有効")
    shot(page, "certificates")
    with page.expect_download() as download:
        row.locator("a.download-pdf").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    image = np.asarray(convert_from_path(pdf, dpi=200)[0].convert("L"))
    digits = zxingcpp.read_barcodes(image)[0].text.removeprefix("shc:/")
    token = "".join(chr(int(digits[i:i + 2]) + 45) for i in range(0, len(digits), 2))
    signed = jws.JWS()
    signed.deserialize(token)
    keys = jwk.JWKSet.from_json(site.api.get("/.well-known/jwks.json").text)
    signed.verify(keys.get_key(signed.jose_header["kid"]), alg="ES256")
    card = json.loads(zlib.decompress(signed.payload, -15))
    truth = site.truths[confirmed]
    immunization = card["vc"]["credentialSubject"]["fhirBundle"]["entry"][1]["resource"]
    assert immunization["lotNumber"] == truth["lot_number"]
    assert immunization["occurrenceDateTime"] == truth["vaccination_date"]

    certificate_id = row.get_attribute("data-certificate")
    row.locator("input[name=reason]").fill("紛失の届出")
    with page.expect_navigation():
        row.locator("button", has_text="失効").click()
    expect(page.locator("#flash")).to_contain_text("失効させました")
    revoked = page.locator(f"#certificate-list tr[data-certificate='{certificate_id}']")
    expect(revoked).to_contain_text("失効（紛失の届出）")
    expect(revoked.locator("a.download-pdf")).to_have_count(0)
