"""Two Yoshin instances on loopback, each with its own database, asking each other for the
records of a person who moved: found, not found, moved out, wrong token, a code that does
not match its token, and the imported records in the receiving ledger."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ARTIFACTS
from tests.stack import Stack, wait_for

MATSUDO, CHIBA = "122076", "121002"
MOVED = "123456789018"
"""My Number of a person who lived in Chiba and moved to Matsudo."""
ONLY_MATSUDO = "987654321093"
"""My Number of a Matsudo resident Chiba never knew."""
TOKEN_MATSUDO_TO_CHIBA = "ysn_matsudo-asks-chiba-" + "x" * 20
TOKEN_CHIBA_TO_MATSUDO = "ysn_chiba-asks-matsudo-" + "y" * 20
HEADER = "atena_number,my_number,name,name_kana,birth_date,sex,address,moved_out_on,died_on\n"
SEED = """
from datetime import date
from ledger.records.service import Dose, record_dose, void_record
from models import Resident
from models.db import session_scope
from sqlalchemy import select
with session_scope() as s:
    r = s.scalar(select(Resident).where(Resident.atena_number == "C001"))
    for n, day, lot in ((1, date(2021, 6, 1), "FA5765"), (2, date(2021, 6, 22), "FA7338")):
        record_dose(s, Dose(r.id, "pfizer", n, day, lot, "1210000001"), source="scan",
                    actor="seed", user_id=None)
    wrong = record_dose(s, Dose(r.id, "moderna", 3, date(2022, 1, 5), "3003412"),
                        source="scan", actor="seed", user_id=None)
    void_record(s, wrong, reason="別人の記録", actor="seed", user_id=None)
"""


def _instance(root: Path, code: str, register: str) -> Stack:
    home = root / code
    home.mkdir()
    (home / "residents.csv").write_text(HEADER + register, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    env |= {"YOSHIN_HOME": str(home), "YOSHIN_MUNICIPALITY_CODE": code,
            "YOSHIN_PEER_ALLOW_LOOPBACK_HTTP": "true"}  # the two towns talk over loopback http
    logs = ARTIFACTS / "logs" / f"transfer-{code}"
    logs.mkdir(parents=True, exist_ok=True)
    for old in logs.glob("*.log"):
        old.unlink()
    stack = Stack(home=home, env=env, logs=logs)
    stack.run("db", "upgrade")
    stack.run("residents", "import", str(home / "residents.csv"))
    return stack


@pytest.fixture(scope="module")
def towns(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Stack]]:
    root = tmp_path_factory.mktemp("towns")
    chiba = _instance(root, CHIBA, f"C001,{MOVED},転居 花子,テンキョ ハナコ,1960-02-03,F,"
                                   "千葉市中央区1-1,2024-03-31,\n")
    matsudo = _instance(root, MATSUDO, f"M001,{MOVED},転居 花子,テンキョ ハナコ,1960-02-03,F,"
                                       "松戸市根本1-1,,\n"
                                       f"M002,{ONLY_MATSUDO},地元 次郎,ジモト ジロウ,1975-07-07,"
                                       "M,松戸市小金1-1,,\n")
    subprocess.run([sys.executable, "-c", SEED], env=chiba.env, check=True, capture_output=True,
                   timeout=120)
    try:
        for town in (chiba, matsudo):
            town.start_api()
        chiba.start_worker(concurrency=1, queues="transfers")  # bulk queries have their own
        chiba.run("peers", "add", MATSUDO, "--url", matsudo.url, "--inbound-token",
                  TOKEN_MATSUDO_TO_CHIBA, "--outbound-token", TOKEN_CHIBA_TO_MATSUDO)
        matsudo.run("peers", "add", CHIBA, "--url", chiba.url, "--inbound-token",
                    TOKEN_CHIBA_TO_MATSUDO, "--outbound-token", TOKEN_MATSUDO_TO_CHIBA)
        yield chiba, matsudo
    finally:
        for town in (chiba, matsudo):
            town.stop_all()


def _resident_id(staff: httpx.Client, atena: str) -> int:
    return staff.get("/api/residents", params={"q": atena}).json()[0]["id"]


def test_records_of_a_person_who_moved_in_come_over_and_stay_once(
        towns: tuple[Stack, Stack]) -> None:
    chiba, matsudo = towns
    staff = matsudo.user("transfer-staff", "supervisor")
    moved = _resident_id(staff, "M001")
    answer = staff.post(f"/api/residents/{moved}/transfer-requests", json={"peer_code": CHIBA})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["found"] and len(result["created"]) == 2 and result["skipped"] == []
    records = staff.get(f"/api/residents/{moved}").json()["records"]
    assert [(r["vaccine"], r["dose_number"], r["vaccinated_on"], r["lot_number"], r["source"],
             r["origin"]) for r in records] == [
        ("pfizer", 1, "2021-06-01", "FA5765", "transfer", CHIBA),
        ("pfizer", 2, "2021-06-22", "FA7338", "transfer", CHIBA)]  # the void one stays behind

    again = staff.post(f"/api/residents/{moved}/transfer-requests", json={"peer_code": CHIBA})
    assert again.json()["created"] == [] and len(again.json()["skipped"]) == 2
    assert len(staff.get(f"/api/residents/{moved}").json()["records"]) == 2

    given = chiba.user("chiba-staff", "supervisor").get("/api/transfer/provisions").json()
    assert [(p["direction"], p["peer_code"], p["found"], len(p["records"])) for p in given] \
        == [("inbound", MATSUDO, True, 2)] * 2


def test_a_person_who_is_not_ours_gets_the_plain_not_found(towns: tuple[Stack, Stack]) -> None:
    chiba, matsudo = towns
    staff = matsudo.user("transfer-staff-2", "supervisor")
    local = _resident_id(staff, "M002")
    answer = staff.post(f"/api/residents/{local}/transfer-requests", json={"peer_code": CHIBA})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"peer_code": CHIBA, "found": False, "created": [], "skipped": [],
                             "mistakes": []}

    peer = httpx.Client(base_url=chiba.url,
                        headers={"Authorization": f"Bearer {TOKEN_MATSUDO_TO_CHIBA}"})
    unknown = peer.post("/api/transfer/query", json={"requester_code": MATSUDO,
                                                     "my_number": "555444333229"})
    malformed = peer.post("/api/transfer/query", json={"requester_code": MATSUDO,
                                                       "my_number": "555444333220"})
    assert unknown.json() == malformed.json() == {"municipality_code": CHIBA, "found": False,
                                                  "records": []}
    short = peer.post("/api/transfer/query", json={"requester_code": MATSUDO,
                                                   "my_number": "55544433"})
    assert short.status_code == 422 and "55544433" not in short.text

    provisions = chiba.user("chiba-staff-2", "supervisor").get("/api/transfer/provisions")
    not_ours = [p for p in provisions.json() if not p["found"]]
    assert len(not_ours) == 3 and all(p["resident_id"] is None for p in not_ours)
    chiba.stop("api")  # flush its log before looking into it
    for number in (ONLY_MATSUDO, "555444333229", "555444333220"):
        for path in [*chiba.home.rglob("*"), *chiba.logs.glob("*.log")]:
            if path.is_file():
                assert number.encode() not in path.read_bytes(), (number, path)
    chiba.start_api()


def test_a_moved_out_person_is_still_answered(towns: tuple[Stack, Stack]) -> None:
    chiba, _ = towns
    peer = httpx.Client(base_url=chiba.url,
                        headers={"Authorization": f"Bearer {TOKEN_MATSUDO_TO_CHIBA}"})
    answer = peer.post("/api/transfer/query", json={"requester_code": MATSUDO,
                                                    "my_number": MOVED})
    assert answer.status_code == 200 and answer.json()["found"]
    assert [r["dose_number"] for r in answer.json()["records"]] == [1, 2]


def test_wrong_token_and_a_code_not_matching_the_token_are_refused(
        towns: tuple[Stack, Stack]) -> None:
    chiba, matsudo = towns
    query = {"requester_code": MATSUDO, "my_number": MOVED}
    wrong = httpx.post(f"{chiba.url}/api/transfer/query", json=query,
                       headers={"Authorization": "Bearer ysn_not-a-token"})
    assert wrong.status_code == 401
    mismatched = httpx.post(f"{chiba.url}/api/transfer/query",
                            json={**query, "requester_code": "131016"},
                            headers={"Authorization": f"Bearer {TOKEN_MATSUDO_TO_CHIBA}"})
    assert mismatched.status_code == 403
    staff = chiba.user("chiba-clerk", "reviewer")
    assert staff.post("/api/transfer/query", json=query).status_code == 403
    unknown_peer = matsudo.user("transfer-staff-3", "supervisor").post(
        "/api/residents/1/transfer-requests", json={"peer_code": "131016"})
    assert unknown_peer.status_code == 404 and "not configured" in unknown_peer.text


def test_the_bulk_path_answers_a_file_in_the_queue(towns: tuple[Stack, Stack]) -> None:
    chiba, _ = towns
    peer = httpx.Client(base_url=chiba.url, timeout=60,
                        headers={"Authorization": f"Bearer {TOKEN_MATSUDO_TO_CHIBA}"})
    bad = peer.post("/api/transfer/bulk", data={"requester_code": MATSUDO},
                    files={"numbers": ("n.csv", f"{MOVED}\n12345\n".encode(), "text/csv")})
    assert bad.status_code == 400 and "line 2" in bad.text and "12345" not in bad.text

    numbers = f"my_number\n{MOVED}\n{ONLY_MATSUDO}\n555444333229\n{MOVED}\n"
    answer = peer.post("/api/transfer/bulk", data={"requester_code": MATSUDO},
                       files={"numbers": ("n.csv", numbers.encode(), "text/csv")})
    assert answer.status_code == 202, answer.text
    bulk = answer.json()
    assert bulk["total"] == 4
    wait_for(lambda: peer.get(f"/api/transfer/bulk/{bulk['id']}").json()["state"] == "done",
             120, "the bulk query to be answered")
    assert peer.get(f"/api/transfer/bulk/{bulk['id']}").json()["found"] == 2
    rows = list(csv.reader(io.StringIO(peer.get(
        f"/api/transfer/bulk/{bulk['id']}/results").text)))
    assert rows[0] == ["line", "found", "vaccine", "dose_number", "vaccinated_on", "lot_number"]
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [
        ("2", "true", "1"), ("2", "true", "2"), ("3", "false", ""), ("4", "false", ""),
        ("5", "true", "1"), ("5", "true", "2")]
    sealed = [path for path in (chiba.home / "store").rglob("*")
              if path.is_file() and path.read_bytes().startswith(b"YSEALED1")]
    assert sealed == []  # the numbers are kept only until they are answered
    wrong = httpx.post(f"{chiba.url}/api/transfer/bulk", data={"requester_code": "131016"},
                       files={"numbers": ("n.csv", f"{MOVED}\n".encode(), "text/csv")},
                       headers={"Authorization": f"Bearer {TOKEN_MATSUDO_TO_CHIBA}"})
    assert wrong.status_code == 403
