"""A resident's disclosure request (開示請求) and the audit export for the yearly self-check."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from datetime import date
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from ledger.records.service import Dose, correct_record, record_dose
from ledger.residents import my_number
from models import AuditEvent, Resident, Role
from models.db import session_scope
from tests.inprocess import client_as
from yoshin.cli import app

NUMBER = "123456789018"


def _resident_with_history() -> int:
    with session_scope() as session:
        resident = Resident(atena_number=f"D{secrets.token_hex(5)}", name="開示 請子",
                            name_kana="カイジ セイコ", birth_date=date(1980, 3, 3), sex="F",
                            my_number_hash=my_number.lookup_hash(NUMBER + secrets.token_hex(2)),
                            my_number_encrypted=my_number.encrypt(NUMBER))
        session.add(resident)
        session.flush()
        record = record_dose(session, Dose(resident.id, "moderna", 1, date(2022, 6, 1),
                                           "3005236"), source="scan", actor="test", user_id=None)
        correct_record(session, record, {"lot_number": "000091A"}, reason="シール違い",
                       actor="test", user_id=None)
        return resident.id


def test_disclosure_holds_everything_about_the_person_but_the_number(inprocess_db: Path) -> None:
    resident_id = _resident_with_history()
    supervisor = client_as(Role.SUPERVISOR)
    supervisor.get(f"/api/residents/{resident_id}")
    answer = supervisor.get(f"/api/residents/{resident_id}/disclosure")
    assert answer.status_code == 200
    document = answer.json()
    assert document["resident"]["name"] == "開示 請子"
    assert document["resident"]["my_number"] == "held (not written out)"
    [record] = document["ledger_records"]
    assert record["lot_number"] == "000091A"
    assert [(v["action"], v["state"]["lot_number"]) for v in record["versions"]] == \
        [("create", "3005236"), ("correct", "000091A")]
    assert {key: record["items"][key] for key in (
        "接種回数", "接種日", "接種日年齢", "年度末年齢", "接種判定", "混合接種何種", "請求月",
        "LotNo", "接種年度", "実費徴収区分")} == {
        "接種回数": "1回目", "接種日": "2022-06-01", "接種日年齢": "42歳", "年度末年齢": "43歳",
        "接種判定": "有効", "混合接種何種": "1種", "請求月": "2022-06", "LotNo": "000091A",
        "接種年度": "2022年度", "実費徴収区分": "実費徴収"}
    assert {"resident.read"} <= {e["action"] for e in document["access_log"]}
    assert NUMBER not in answer.text and not re.search(r"\b\d{12}\b", answer.text)
    with session_scope() as session:
        assert session.scalar(select(AuditEvent).where(
            AuditEvent.resident_id == resident_id,
            AuditEvent.action == "resident.disclosure")) is not None
    assert client_as(Role.REVIEWER).get(
        f"/api/residents/{resident_id}/disclosure").status_code == 403


def test_audit_export_carries_a_chain_anyone_can_recompute(inprocess_db: Path,
                                                           tmp_path: Path) -> None:
    resident_id = _resident_with_history()
    client_as(Role.SUPERVISOR).get(f"/api/residents/{resident_id}")  # a read, audited too
    out = tmp_path / "audit.jsonl"
    result = CliRunner().invoke(app, ["audit", "export", str(out), "--since", "2000-01-01",
                                      "--until", "2100-01-01"])
    assert result.exit_code == 0, result.output
    entries = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["action"] for e in entries][:3] == ["ledger.record.create",
                                                  "ledger.record.correct", "resident.read"]
    for before, entry in zip(entries, entries[1:], strict=False):
        assert entry["prev_hash"] == before["hash"]
    from models.keys import audit_chain_key  # the chain is keyed: recomputing takes the key

    for entry in entries:
        body = json.dumps([entry["prev_hash"], entry["at"], entry["actor"], entry["action"],
                           entry["resident_id"], entry["subject"], entry["detail"]],
                          ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert hmac.new(audit_chain_key(), body.encode(), hashlib.sha256).hexdigest() \
            == entry["hash"]
    assert NUMBER not in out.read_text()
    with session_scope() as session:
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.export")
                              .order_by(AuditEvent.id.desc()).limit(1)).detail["entries"] \
            == len(entries)
    bad = CliRunner().invoke(app, ["audit", "export", str(out), "--since", "yesterday",
                                   "--until", "2100-01-01"])
    assert bad.exit_code == 2


def test_the_my_number_key_rotates_and_old_rows_are_rekeyed(tmp_path: Path,
                                                            monkeypatch) -> None:  # noqa: ANN001
    import os

    from ledger.residents.my_number import KeyMissing, decrypt, under_current_key
    from models.migrate import upgrade
    from models.settings import get_settings
    from yoshin.measure.harness import isolated_home

    first, second = tmp_path / "key-1", tmp_path / "key-2"
    first.write_bytes(os.urandom(32))
    second.write_bytes(os.urandom(32))
    with isolated_home(tmp_path / "home"):
        upgrade()
        legacy = my_number.encrypt(NUMBER)  # under the key derived from the secret key file
        monkeypatch.setenv("YOSHIN_MY_NUMBER_KEY_FILE", str(first))
        get_settings.cache_clear()
        ids = [_resident_with_history() for _ in range(3)]
        with session_scope() as session:
            session.get(Resident, ids[0]).my_number_encrypted = legacy

        monkeypatch.setenv("YOSHIN_MY_NUMBER_KEY_FILE", str(second))
        monkeypatch.setenv("YOSHIN_MY_NUMBER_OLD_KEY_FILES", json.dumps([str(first)]))
        get_settings.cache_clear()
        supervisor = client_as(Role.SUPERVISOR)
        shown = supervisor.post(f"/api/residents/{ids[1]}/my-number")
        assert shown.status_code == 200 and shown.json()["my_number"] == NUMBER
        result = CliRunner().invoke(app, ["my-number", "rekey"])
        assert result.exit_code == 0 and "3 My Numbers re-encrypted" in result.output

        monkeypatch.delenv("YOSHIN_MY_NUMBER_OLD_KEY_FILES")
        get_settings.cache_clear()
        with session_scope() as session:
            blobs = [session.get(Resident, i).my_number_encrypted for i in ids]
        assert all(under_current_key(blob) for blob in blobs)
        assert [decrypt(blob) for blob in blobs] == [NUMBER] * 3
        assert all(NUMBER.encode() not in blob for blob in blobs)
        monkeypatch.setenv("YOSHIN_MY_NUMBER_KEY_FILE", str(tmp_path / "key-3"))
        (tmp_path / "key-3").write_bytes(os.urandom(32))
        get_settings.cache_clear()
        try:
            decrypt(blobs[0])
            raise AssertionError("decrypted without its key")
        except KeyMissing:
            pass
    get_settings.cache_clear()
