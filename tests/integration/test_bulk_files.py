"""A peer's bulk file is checked line by line as it is sealed to disk (intake/bulk_files.py):
a bad line refuses the whole file, names the line and not its content, and leaves no file;
another peer's query is as unknown as one that never was."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from intake import bulk_files
from intake.errors import Refused
from ledger.transfers.peers import add_peer
from models import BulkQuery, Peer, User
from models.db import new_session, session_scope
from models.settings import get_settings

CHIBA, SAITAMA = "121002", "111007"


@pytest.fixture
def peers(inprocess_db: Path) -> dict[str, int]:
    with session_scope() as session:
        for code in (CHIBA, SAITAMA):
            add_peer(session, code=code, url="http://127.0.0.1:9", actor="test")
        return {p.code: p.user_id for p in session.scalars(select(Peer))}


def _files() -> list[str]:
    """Every file of the store, those being received included."""
    folder = get_settings().store_dir
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def _submit(user_id: int, code: str, text: bytes) -> int:
    session = new_session()
    try:
        caller = session.get_one(User, user_id)
        bulk = bulk_files.submit(session, caller=caller, requester_code=code,
                                 numbers=io.BytesIO(text))
        session.commit()
        return bulk.id
    finally:
        session.rollback()
        session.close()


@pytest.mark.parametrize(("text", "message"), [
    (b"my_number\n123456789018\n12345678901X\n", "line 3 is not a 12-digit"),
    (b"my_number\n", "1 to 1000000 numbers, not 0"),
    ("123456789018\n１２３\n".encode("shift_jis"), "not UTF-8"),
])
def test_a_bad_file_is_refused_whole_naming_the_line_and_leaving_nothing(
        peers: dict[str, int], text: bytes, message: str) -> None:
    before = _files()
    with pytest.raises(Refused, match=message) as refused:
        _submit(peers[CHIBA], CHIBA, text)
    assert refused.value.status == 400 and "12345678901X" not in refused.value.message
    assert _files() == before
    with session_scope() as session:
        assert session.scalars(select(BulkQuery)).all() == []


def test_a_peer_may_not_ask_in_anothers_name_nor_read_anothers_query(
        peers: dict[str, int]) -> None:
    with pytest.raises(Refused, match="does not belong") as refused:
        _submit(peers[CHIBA], SAITAMA, b"123456789018\n")
    assert refused.value.status == 403
    before = _files()
    bulk_id = _submit(peers[CHIBA], CHIBA, b"123456789018\n")
    with session_scope() as session:
        assert _files() == sorted([*before, session.get_one(BulkQuery, bulk_id).input_sha256])
        with pytest.raises(Refused, match="of yours") as unknown:
            bulk_files.own_bulk(session, caller=session.get_one(User, peers[SAITAMA]),
                                bulk_id=bulk_id)
        assert unknown.value.status == 404
        with pytest.raises(Refused, match="not done") as early:
            bulk_files.results_of(session, caller=session.get_one(User, peers[CHIBA]),
                                  bulk_id=bulk_id)
        assert early.value.status == 409
