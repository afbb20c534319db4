"""The smaller holes of issue 14 (item 11): each test here failed before its fix.

a. any Authorization header switched the cross-site check off for a cookie request;
b. JSON nested 50,000 deep, and ids of 2^63 and more on SQLite, answered 500;
c. a 1 MB correction value was kept;
d. a searched resident's name stood in the access log's query string;
e. a reviewer revoked a certificate by reissuing it;
f. a clinic learnt from a 409 that another clinic had sent the same form.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from models import (
    Batch,
    Clinic,
    Document,
    FieldSource,
    FieldValue,
    Page,
    PageState,
    Resident,
    Role,
    User,
)
from models.db import session_scope
from tests.inprocess import make_user

BIG = 2**63
EVIL = "https://evil.example"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module", autouse=True)
def own_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A database of these tests' own: their pages, clinics and forms stay out of the
    shared in-process one."""
    from models.migrate import upgrade
    from yoshin.measure.harness import isolated_home

    home = tmp_path_factory.mktemp("small-holes-home")
    with isolated_home(home):
        upgrade()
        yield home


def _app():  # noqa: ANN202 - the FastAPI application
    from yoshin.app import create_app

    return create_app()


def _api(role: Role) -> tuple[TestClient, str]:
    _, token = make_user(role)
    return TestClient(_app(), raise_server_exceptions=False,
                      headers={"Authorization": f"Bearer {token}"}), token


def _logged_in(role: Role) -> TestClient:
    """A browser: logged in to the screens from our own origin, following no redirects."""
    user_id, _ = make_user(role)
    with session_scope() as session:
        user = session.get(User, user_id)
        user.set_password(PASSWORD)
        username = user.username
    browser = TestClient(_app(), follow_redirects=False, raise_server_exceptions=False)
    answer = browser.post("/api/session", json={"username": username, "password": PASSWORD},
                          headers={"Origin": "http://testserver"})
    assert answer.status_code == 200, answer.text
    return browser


def _resident() -> int:
    with session_scope() as session:
        resident = Resident(atena_number=f"SH{secrets.token_hex(6)}", name="試験 花子",
                            name_kana="シケン ハナコ", birth_date=date(1970, 1, 1), sex="F")
        session.add(resident)
        session.flush()
        return resident.id


# a. the cross-site check ------------------------------------------------------------------

@pytest.mark.parametrize("authorization", ["Basic dXNlcjpwYXNz", "Bearer not-a-token", "x"])
def test_a_made_up_authorization_header_does_not_switch_off_the_origin_check(
        authorization: str) -> None:
    browser = _logged_in(Role.SUPERVISOR)
    forged = browser.post("/logout", headers={"Origin": EVIL, "Authorization": authorization})
    assert forged.status_code == 403, forged.status_code
    assert browser.get("/api/me").status_code == 200  # still logged in


def test_a_valid_token_is_what_authenticates_and_the_cookie_is_not_used() -> None:
    browser = _logged_in(Role.SUPERVISOR)
    _, token = make_user(Role.REVIEWER)
    sent = {"Origin": EVIL, "Authorization": f"Bearer {token}"}
    # the token (a reviewer's) is the caller, not the supervisor's cookie
    assert browser.post("/api/certificates/none/revoke", json={"reason": "x"},
                        headers=sent).status_code == 403
    # a screen sees no session beside a token: the browser's login is not ended by it
    assert browser.post("/logout", headers=sent).status_code in (303, 401, 403)
    assert browser.get("/api/me").status_code == 200


# b. deep JSON and huge ids ------------------------------------------------------------------

def test_json_nested_50000_deep_is_refused_not_a_500() -> None:
    clinic, _ = _api(Role.CLINIC)
    deep = b"[" * 50_000 + b"]" * 50_000
    for path in ("/api/clinic/forms", "/api/clinic/fhir/Immunization"):
        answer = clinic.post(path, content=deep, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, (path, answer.status_code)
        assert "nested" in answer.json()["detail"]
    reviewer, _ = _api(Role.REVIEWER)
    fhir = reviewer.patch("/api/pages/1/fields", content=b'{"values": ' + deep + b"}",
                          headers={"Content-Type": "application/fhir+json; charset=utf-8"})
    assert fhir.status_code == 400


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    reviewer, _ = _api(Role.REVIEWER)
    answer = reviewer.patch("/api/pages/999999/fields",
                            json={"values": {"name": "[" * 100 + '\\"{' * 30}})
    assert answer.status_code == 404  # past the body check: no such page


def test_ids_beyond_64_bits_are_the_callers_error() -> None:
    supervisor, _ = _api(Role.SUPERVISOR)
    for path in (f"/api/residents/{BIG}", f"/api/records/{BIG}", f"/api/pages/{BIG}",
                 f"/api/batches/{BIG}", f"/api/residents/{BIG}/certificates",
                 f"/api/residents/{BIG}/fhir", f"/api/pages/{BIG}/image"):
        answer = supervisor.get(path)
        assert answer.status_code in (400, 404, 422), (path, answer.status_code)
    for method, path in (("PATCH", f"/api/records/{BIG}"), ("POST", f"/api/pages/{BIG}/open"),
                         ("POST", f"/api/residents/{BIG}/transfer-requests")):
        answer = supervisor.request(method, path, json={"reason": "x", "peer_code": "131016"})
        assert answer.status_code in (400, 404, 422), (path, answer.status_code)
    assert supervisor.get(f"/api/residents/{BIG - 1}").status_code == 404
    reviewer, _ = _api(Role.REVIEWER)
    page_id = _page_in_review()
    assert reviewer.post(f"/api/pages/{page_id}/open").status_code == 200
    matched = reviewer.put(f"/api/pages/{page_id}/resident", json={"resident_id": BIG})
    assert matched.status_code == 422, matched.status_code
    browser = _logged_in(Role.SUPERVISOR)
    for path in (f"/residents/{BIG}", f"/review/{BIG}", f"/batches/{BIG}",
                 f"/second-check/{BIG}"):
        answer = browser.get(path)
        assert answer.status_code < 500, (path, answer.status_code)


# c. correction values -----------------------------------------------------------------------

def _page_in_review() -> int:
    scanner_id, _ = make_user(Role.SCANNER)
    with session_scope() as session:
        batch = Batch(created_by_id=scanner_id)
        document = Document(batch=batch, sha256=secrets.token_hex(32), filename="x.png",
                            media_type="image/png", size_bytes=1, page_count=1)
        page = Page(batch=batch, document=document, sequence=1, page_number=1,
                    image_sha256="0", state=PageState.NEEDS_REVIEW)
        page.fields = [FieldValue(key="address", value="松戸市", source=FieldSource.OCR,
                                  confidence=0.5, position=0)]
        session.add(page)
        session.flush()
        return page.id


def test_a_megabyte_correction_value_is_refused() -> None:
    reviewer, _ = _api(Role.REVIEWER)
    page_id = _page_in_review()
    assert reviewer.post(f"/api/pages/{page_id}/open").status_code == 200
    huge = reviewer.patch(f"/api/pages/{page_id}/fields",
                          json={"values": {"address": "あ" * 1_000_000}})
    assert huge.status_code == 422
    assert "あああ" not in huge.text
    fits = reviewer.patch(f"/api/pages/{page_id}/fields", json={"values": {"address": "あ" * 256}})
    assert fits.status_code == 200, fits.text
    supervisor, _ = _api(Role.SUPERVISOR)
    for values in ({"lot_number": "A" * 1_000_000}, {"clinic_code": "1" * 1_000_000},
                   {"lot_number": "FF5357", "reason": "r" * 1_000_000}):
        answer = supervisor.patch("/api/records/999999", json={"reason": "typo", **values})
        assert answer.status_code == 422, values.keys()


# d. the access log --------------------------------------------------------------------------

class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_a_searched_name_never_reaches_the_access_log() -> None:
    _, token = make_user(Role.SUPERVISOR)
    access = logging.getLogger("uvicorn.access")
    kept, level = _Kept(), access.level
    access.addHandler(kept)
    access.setLevel(logging.INFO)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_app(), host="127.0.0.1", port=port, log_config=None,
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        answer = httpx.get(f"http://127.0.0.1:{port}/api/residents",
                           params={"q": "勅使河原 左衛門"},
                           headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert answer.status_code == 200
        time.sleep(0.2)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        access.removeHandler(kept)
        access.setLevel(level)
    searched = [line for line in kept.lines if "/api/residents" in line]
    assert searched, kept.lines
    for line in searched:
        assert "?" not in line and "q=" not in line and "%E5" not in line.upper(), line


# e. reissue needs the right to revoke ---------------------------------------------------------

def test_a_reviewer_cannot_revoke_by_reissuing() -> None:
    reviewer, _ = _api(Role.REVIEWER)
    resident_id = _resident()
    with session_scope() as session:
        session.add(Clinic(clinic_code="7650001", name="試験クリニック", doctors=[]))
    from ledger.records.service import Dose, record_dose

    with session_scope() as session:
        record_dose(session, Dose(resident_id, "pfizer", 1, date(2021, 6, 1), "FF5357",
                                  "7650001"), source="scan", actor="test", user_id=None)
    issued = reviewer.post(f"/api/residents/{resident_id}/certificates?format=pdf", json={})
    assert issued.status_code == 201, issued.text
    certificate_id = issued.headers["x-certificate-id"]
    assert reviewer.post(f"/api/certificates/{certificate_id}/reissue").status_code == 403
    assert reviewer.get(f"/api/certificates/{certificate_id}").json()["revoked"] is False
    browser = _logged_in(Role.REVIEWER)
    screen = browser.post(f"/certificates/{certificate_id}/reissue",
                          headers={"Origin": "http://testserver"})
    assert screen.status_code == 403
    assert reviewer.get(f"/api/certificates/{certificate_id}").json()["revoked"] is False
    supervisor, _ = _api(Role.SUPERVISOR)
    fresh = supervisor.post(f"/api/certificates/{certificate_id}/reissue")
    assert fresh.status_code == 201, fresh.text
    assert fresh.json()["replaces"] == certificate_id


# f. a clinic learns nothing of another clinic's forms -----------------------------------------

def _clinic_client(code: str) -> TestClient:
    from ledger.clinics.accounts import issue_token

    with session_scope() as session:
        session.add(Clinic(clinic_code=code, name=f"クリニック {code}", doctors=["田村 誠"]))
        session.flush()
        token = issue_token(session, code, actor="test")
    return TestClient(_app(), raise_server_exceptions=False,
                      headers={"Authorization": f"Bearer {token}"})


def test_a_form_another_clinic_sent_is_not_told_apart_from_a_new_one() -> None:
    first = _clinic_client(f"12{secrets.randbelow(10**8):08d}")
    second = _clinic_client(f"13{secrets.randbelow(10**8):08d}")
    form = {"name": f"未登録 {secrets.token_hex(3)}", "name_kana": "ミトウロク タロウ",
            "birth_date": "1950-03-03", "sex": "M", "consent": True,
            "doctor_decision": "ok", "doctor_name": "田村 誠", "vaccine": "pfizer",
            "dose_number": 1, "vaccination_date": "2023-05-10"}
    sent = first.post("/api/clinic/forms", json=form)
    assert sent.status_code == 201, sent.text
    elsewhere = second.post("/api/clinic/forms", json=form)
    assert elsewhere.status_code == 201, elsewhere.text
    assert elsewhere.json()["page_id"] != sent.json()["page_id"]
    assert "submitted before" not in elsewhere.text
    # each clinic is still told of its own repeat
    assert first.post("/api/clinic/forms", json=form).status_code == 409
    assert second.post("/api/clinic/forms", json=form).status_code == 409
