"""What Yoshin leaves on disk is its own user's alone (issue 14, item 8): the embedded
database, the store and the bulk transfer files are 0600 in 0700 folders even when the
process started with the usual umask 022, and a waiting bulk query's My Numbers are on disk
only sealed (AES-GCM), never in the clear."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger.kit.identifiers import is_valid_local_government_code
from ledger.transfers.peers import add_peer
from ledger.transfers.service import answer_bulk
from models import BulkQuery, Peer
from models.db import session_scope
from models.settings import get_settings
from models.storage import (
    SealedFileDamaged,
    blob_path,
    put,
    read_sealed_lines,
    write_sealed,
)

NUMBERS = ["123456789018", "987654321093", "555444333229"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_private_tree(root: Path) -> None:
    """Every file under `root` 0600 and every folder 0700 (sockets and the like aside)."""
    assert _mode(root) == 0o700, root
    for path in root.rglob("*"):
        if path.is_dir():
            assert _mode(path) == 0o700, path
        elif path.is_file():
            assert _mode(path) == 0o600, path


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most accounts start with; the explicit modes must hold under it."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def test_the_command_line_makes_a_private_home_database_and_key(tmp_path: Path) -> None:
    home = tmp_path / "fresh" / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    env["YOSHIN_HOME"] = str(home)
    subprocess.run([sys.executable, "-m", "yoshin", "db", "upgrade"], env=env, check=True,
                   capture_output=True, timeout=300, preexec_fn=lambda: os.umask(0o022))
    assert (home / "yoshin.db").stat().st_size > 0
    _assert_private_tree(home)


ENTRY_POINTS = {
    "the web app": "from yoshin.app import create_app; create_app()",
    "the Celery app": "import workers.celery_app",
    "the command line": ("from typer.testing import CliRunner; from yoshin.cli import app; "
                         "CliRunner().invoke(app, ['reconcile'])"),
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_every_entry_point_makes_what_follows_private(entry: str, tmp_path: Path) -> None:
    """A process umask of 077, so that even files written by libraries (SQLite's journal,
    kombu's queue messages, an export) are the service user's alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    env["YOSHIN_HOME"] = str(tmp_path / "home")
    code = f"import os; {ENTRY_POINTS[entry]}; print(oct(os.umask(0o022)))"
    shown = subprocess.run([sys.executable, "-c", code], env=env, check=True, text=True,
                           capture_output=True, timeout=300, preexec_fn=lambda: os.umask(0o022))
    assert shown.stdout.strip().splitlines()[-1] == "0o77", shown.stderr[-2000:]


def test_a_new_sqlite_database_is_private_under_the_usual_umask(tmp_path: Path,
                                                                  usual_umask: None) -> None:
    from models.db import _private_sqlite_file

    database = tmp_path / "nested" / "db" / "yoshin.db"
    _private_sqlite_file(database)
    assert _mode(database) == 0o600
    assert _mode(database.parent) == 0o700 and _mode(database.parent.parent) == 0o700


def test_stored_files_and_their_folders_are_private(tmp_path: Path, usual_umask: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "home", tmp_path / "home")
    sha, created = put(b"scanned page " + secrets.token_bytes(16))
    assert created
    stored = blob_path(sha)
    assert _mode(stored) == 0o600
    assert _mode(stored.parent) == 0o700
    assert _mode(get_settings().store_dir) == 0o700


def _peer_code() -> str:
    """A valid 自治体コード no other test configures."""
    for prefix in range(47100, 47999):
        for check in range(10):
            code = f"{prefix}{check}"
            if is_valid_local_government_code(code):
                with session_scope() as session:
                    if session.scalar(select(Peer).where(Peer.code == code)) is None:
                        return code
    raise AssertionError("no free 自治体コード for the test peer")


def test_a_waiting_bulk_query_keeps_its_numbers_sealed_and_private(
        inprocess_db: Path, usual_umask: None) -> None:
    from yoshin.app import create_app

    code = _peer_code()
    with session_scope() as session:
        token = add_peer(session, code=code, url="https://peer.example", actor="test")
    app = create_app()
    os.umask(0o022)  # create_app sets the service's umask; the explicit modes must hold alone
    peer = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    lines = ["my_number", *NUMBERS, NUMBERS[0]]
    answer = peer.post("/api/transfer/bulk", data={"requester_code": code},
                       files={"numbers": ("n.csv", "\r\n".join(lines).encode(), "text/csv")})
    assert answer.status_code == 202, answer.text
    bulk_id = answer.json()["id"]
    assert answer.json()["total"] == 4
    with session_scope() as session:
        bulk = session.get_one(BulkQuery, bulk_id)
        waiting, name = blob_path(bulk.input_sha256 or ""), bulk.sealed_name

    held = waiting.read_bytes()
    for number in NUMBERS:
        assert number.encode() not in held
        assert number[:6].encode() not in held and number[6:].encode() not in held
    assert _mode(waiting) == 0o600 and _mode(waiting.parent) == 0o700
    assert [line.strip() for line in read_sealed_lines(waiting, name)] == lines

    os.umask(0o022)  # the results file is made 0600 by its own mode, too
    answer_bulk(bulk_id)
    with session_scope() as session:
        bulk = session.get(BulkQuery, bulk_id)
        assert (bulk.state, bulk.processed) == ("done", 4), bulk.error
        results = blob_path(bulk.result_sha256 or "")
    assert not waiting.exists()
    assert _mode(results) == 0o600
    assert [row.split(",")[0] for row in results.read_text().splitlines()[1:]] \
        == ["2", "3", "4", "5"]


def test_a_sealed_file_cut_short_changed_or_renamed_does_not_open(tmp_path: Path) -> None:
    path = tmp_path / "bulk-1.numbers"
    lines = [f"{n:012d} 予診\n" for n in range(20_000)]  # several chunks, multi-byte text
    with write_sealed(path) as sealed:
        for line in lines:
            sealed.write(line)
    assert list(read_sealed_lines(path)) == lines
    whole = path.read_bytes()
    assert b"000000019999" not in whole

    path.write_bytes(whole[:-40])
    with pytest.raises(SealedFileDamaged):
        list(read_sealed_lines(path))
    changed = bytearray(whole)
    changed[200] ^= 1
    path.write_bytes(bytes(changed))
    with pytest.raises(SealedFileDamaged):
        list(read_sealed_lines(path))
    moved = tmp_path / "bulk-2.numbers"
    moved.write_bytes(whole)
    with pytest.raises(SealedFileDamaged):
        list(read_sealed_lines(moved))
