"""Another municipality's answer is input like any other (issue 14, item 4): a record with an
unknown vaccine, a dose of -5 or 2^31, a date in 1800 or 2999, a formula as lot or a 3 kB
clinic code is refused with a reason and nothing of that answer is stored, so the resident's
certificate and FHIR export keep answering. And queries go out over https only: plain http
only to a loopback address while `peer_allow_loopback_http` is set.

The peer is a small HTTP server on loopback that answers whatever the test tells it to."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ledger.kit.identifiers import my_number_check_digit
from ledger.records.service import Dose, record_dose
from ledger.residents import my_number
from ledger.transfers.peers import PeerRefused, add_peer
from models import AuditEvent, LedgerRecord, Peer, Resident, Role
from models.db import get_engine, session_scope
from models.settings import get_settings
from tests.inprocess import make_user

PEER = "121002"
"""Chiba, the municipality asked."""
GOOD = {"vaccine": "pfizer", "dose_number": 2, "vaccinated_on": "2021-06-22",
        "lot_number": "FA7338", "clinic_code": "1210000001"}
BAD_VALUES: list[tuple[str, Any]] = [
    ("vaccine", "smallpox"),
    ("dose_number", -5),
    ("dose_number", 2**31),
    ("vaccinated_on", "1800-01-01"),
    ("vaccinated_on", "2999-01-01"),
    ("lot_number", "=HYPERLINK(\"https://evil.example\",\"x\")"),
    ("lot_number", "=1+1"),
    ("clinic_code", "1" * 3072),
]


class _Peer(BaseHTTPRequestHandler):
    """Answers every query with `answer` (bytes), as the test set it."""

    answer: bytes = b""
    asked: list[dict[str, Any]] = []
    connections_in_use: list[int] = []
    """The asking city's pooled database connections checked out while it waits for us."""

    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        length = int(self.headers.get("Content-Length", "0"))
        type(self).asked.append(json.loads(self.rfile.read(length)))
        type(self).connections_in_use.append(get_engine().pool.checkedout())
        body = type(self).answer
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        pass


@pytest.fixture(scope="module", autouse=True)
def peer_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A ledger of these tests' own (the peer they configure stays out of the shared one)."""
    from models.migrate import upgrade
    from yoshin.measure.harness import isolated_home

    home = tmp_path_factory.mktemp("peer-answers-home")
    with isolated_home(home):
        upgrade()
        yield home


@pytest.fixture(scope="module")
def peer_url(peer_home: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Peer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with session_scope() as session:
        add_peer(session, code=PEER, url=url, outbound="ysn_matsudo-asks-chiba-" + "x" * 20,
                 actor="test")
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def loopback_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "peer_allow_loopback_http", True)


def _answer(*records: dict[str, Any], code: str = PEER, found: bool = True) -> None:
    _Peer.answer = json.dumps({"municipality_code": code, "found": found,
                               "records": list(records)}).encode()


def _moved_in() -> int:
    """A resident who moved in, with one dose of this city's own."""
    body = f"{secrets.randbelow(10**11):011d}"
    number = body + str(my_number_check_digit(body))
    with session_scope() as session:
        resident = Resident(atena_number=f"PA{secrets.token_hex(4)}", name="転入 花子",
                            name_kana="テンニュウ ハナコ", birth_date=date(1960, 2, 3), sex="F",
                            address="松戸市根本1-1", my_number_hash=my_number.lookup_hash(number),
                            my_number_encrypted=my_number.encrypt(number))
        session.add(resident)
        session.flush()
        record_dose(session, Dose(resident.id, "pfizer", 3, date(2022, 1, 5), "FJ5929",
                                  "1234567890"), source="scan", actor="test", user_id=None)
        return resident.id


def _staff() -> TestClient:
    from yoshin.app import create_app

    _, token = make_user(Role.SUPERVISOR)
    return TestClient(create_app(), headers={"Authorization": f"Bearer {token}"},
                      raise_server_exceptions=False)


def _ask(staff: TestClient, resident_id: int):  # noqa: ANN202 - httpx.Response
    return staff.post(f"/api/residents/{resident_id}/transfer-requests",
                      json={"peer_code": PEER})


def _records(resident_id: int) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(LedgerRecord).where(
            LedgerRecord.resident_id == resident_id)) or 0


def _still_served(staff: TestClient, resident_id: int) -> None:
    """What answered 500 once a bad record was in: the certificate and the FHIR export."""
    issued = staff.post(f"/api/residents/{resident_id}/certificates", json={})
    assert issued.status_code == 201, issued.text
    again = staff.get(f"/api/certificates/{issued.headers['X-Certificate-Id']}/pdf")
    assert again.status_code == 200, again.text
    fhir = staff.get(f"/api/residents/{resident_id}/fhir")
    assert fhir.status_code == 200, fhir.text
    assert all(entry["resource"]["resourceType"] in ("Patient", "Immunization")
               for entry in fhir.json()["entry"])


@pytest.mark.usefixtures("peer_url", "loopback_http")
@pytest.mark.parametrize(("key", "value"), BAD_VALUES,
                         ids=[f"{key}={str(value)[:12]}" for key, value in BAD_VALUES])
def test_a_record_that_does_not_fit_is_refused_and_nothing_is_stored(key: str,
                                                                     value: Any) -> None:
    resident_id = _moved_in()
    staff = _staff()
    _answer(GOOD, {**GOOD, "dose_number": 1, "vaccinated_on": "2021-06-01", key: value})
    answer = _ask(staff, resident_id)
    assert answer.status_code == 502, answer.text
    detail = answer.json()["detail"]
    assert detail.startswith(f"municipality {PEER} answered with what this city does not "
                             "accept, so nothing was imported")
    assert f"records.1.{key}" in detail or (key == "dose_number" and "records.1:" in detail)
    assert str(value) not in detail and len(detail) < 600
    assert _records(resident_id) == 1  # neither the bad record nor the good one beside it
    with session_scope() as session:
        failed = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "transfer.request.failed",
            AuditEvent.resident_id == resident_id)).one()
        assert failed.detail == {"reason": detail}
    _still_served(staff, resident_id)


@pytest.mark.usefixtures("peer_url", "loopback_http")
@pytest.mark.parametrize(("answer", "reason"), [
    ({"municipality_code": "122076", "found": True, "records": [GOOD]}, "answered as"),
    ({"municipality_code": PEER, "found": False, "records": [GOOD]}, "did not find"),
    ({"municipality_code": PEER, "found": True, "records": [GOOD] * 201}, "records"),
    ({"municipality_code": PEER, "found": "yes", "records": []}, "found"),
    ({"municipality_code": PEER, "found": True,
      "records": [{**GOOD, "vaccine": "influenza", "dose_number": 2019}]}, "年度"),
    ("not json at all", "answer"),
])
def test_an_answer_that_does_not_fit_is_refused_whole(answer: Any, reason: str) -> None:
    resident_id = _moved_in()
    _Peer.answer = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
    refused = _ask(_staff(), resident_id)
    assert refused.status_code == 502 and reason in refused.json()["detail"], refused.text
    assert _records(resident_id) == 1


@pytest.mark.usefixtures("peer_url", "loopback_http")
def test_an_answer_too_large_is_not_read_to_its_end() -> None:
    resident_id = _moved_in()
    _Peer.answer = b'{"municipality_code": "121002", "found": true, "records": [' \
        + b" " * (2 << 20) + b"]}"
    refused = _ask(_staff(), resident_id)
    assert refused.status_code == 502 and "bytes" in refused.json()["detail"]
    assert _records(resident_id) == 1


@pytest.mark.usefixtures("peer_url", "loopback_http")
def test_records_that_fit_are_imported() -> None:
    resident_id = _moved_in()
    staff = _staff()
    _answer({**GOOD, "dose_number": 1, "vaccinated_on": "2021-06-01", "lot_number": "FA5765",
             "clinic_code": ""}, GOOD,
            {"vaccine": "influenza", "dose_number": 2023, "vaccinated_on": "2023-11-01",
             "lot_number": "HK55A", "extra": "ignored"})
    answer = _ask(staff, resident_id)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["created"]) == 3 and _records(resident_id) == 4
    # she was 63 at the season's dose: kept as the other city recorded it, marked 接種間違い
    assert answer.json()["mistakes"] == [
        "influenza 2023 (2023-11-01): 接種間違い: 対象期間（2025-02-02〜）より前の接種です"]
    with session_scope() as session:
        judged = session.scalars(select(LedgerRecord.judgement).where(
            LedgerRecord.resident_id == resident_id).order_by(LedgerRecord.vaccinated_on)).all()
    assert judged == ["valid", "valid", "valid", "mistake"]
    _still_served(staff, resident_id)


@pytest.mark.usefixtures("peer_url", "loopback_http")
def test_no_database_connection_waits_for_the_other_municipality() -> None:
    """The request ends its read-only transaction before it asks: a slow peer (up to
    transfer_timeout_seconds) never holds one of the pool's connections."""
    resident_id = _moved_in()
    staff = _staff()
    _answer(GOOD)
    answer = _ask(staff, resident_id)
    assert answer.status_code == 200, answer.text
    assert _Peer.connections_in_use[-1] == 0
    assert len(answer.json()["created"]) == 1


@pytest.mark.usefixtures("peer_url")
def test_plain_http_only_to_loopback_and_only_when_allowed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    resident_id = _moved_in()
    staff = _staff()
    _answer(GOOD)
    _Peer.asked.clear()
    refused = _ask(staff, resident_id)  # the setting is off by default
    assert refused.status_code == 502
    assert "YOSHIN_PEER_ALLOW_LOOPBACK_HTTP" in refused.json()["detail"]
    assert _Peer.asked == [] and _records(resident_id) == 1

    monkeypatch.setattr(get_settings(), "peer_allow_loopback_http", True)
    with session_scope() as session:  # configured before addresses were checked
        peer = session.scalar(select(Peer).where(Peer.code == PEER))
        loopback, peer.url = peer.url, "http://10.0.0.5:8000"
    try:
        refused = _ask(staff, resident_id)
        assert refused.status_code == 502 and "not an https address" in refused.text
        assert _Peer.asked == []
    finally:
        with session_scope() as session:
            session.scalar(select(Peer).where(Peer.code == PEER)).url = loopback
    assert _ask(staff, resident_id).status_code == 200 and len(_Peer.asked) == 1

    with session_scope() as session:
        for url in ("http://chiba.example", "http://10.0.0.5", "ftp://127.0.0.1",
                    "https://user:secret@chiba.example", "chiba.example"):
            with pytest.raises(PeerRefused):
                add_peer(session, code="131016", url=url, actor="test")
        add_peer(session, code="131016", url="https://tokyo.example/", actor="test")
        add_peer(session, code="131016", url="http://[::1]:8000", actor="test")
