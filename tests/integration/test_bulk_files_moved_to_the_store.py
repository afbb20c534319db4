"""Upgrading moves a bulk query's files from the API's home folder into the blob store, so a
query waiting (or answered and not yet fetched) at the upgrade is answered and served."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from models import blobs
from models.db import get_engine
from models.migrate import alembic_config, upgrade
from models.storage import sha256_of
from yoshin.measure.harness import isolated_home

INSERT = ("INSERT INTO bulk_queries (id, peer_code, state, total, processed, found, "
          "input_path, result_path, error, created_at) VALUES "
          "(:id, '121002', :state, 1, 0, 0, :input, :result, '', CURRENT_TIMESTAMP)")


def test_waiting_numbers_and_results_move_into_the_store(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with isolated_home(home):
        command.upgrade(alembic_config(), "0023")
        folder = home / "transfer-bulk"
        folder.mkdir()
        numbers, results = b"YSEALED1 sealed numbers", b"line,found\n2,false\n"
        (folder / "bulk-1.numbers").write_bytes(numbers)
        (folder / "bulk-2.results.csv").write_bytes(results)
        with get_engine().begin() as connection:
            connection.execute(text(INSERT), [
                {"id": 1, "state": "queued", "input": str(folder / "bulk-1.numbers"),
                 "result": str(folder / "bulk-1.results.csv")},
                {"id": 2, "state": "done", "input": "",
                 "result": str(folder / "bulk-2.results.csv")},
                {"id": 3, "state": "done", "input": "", "result": ""}])  # purged already
        upgrade()
        with get_engine().begin() as connection:
            rows = connection.execute(text("SELECT id, input_sha256, result_sha256 "
                                           "FROM bulk_queries ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, sha256_of(numbers), None),
                                                (2, None, sha256_of(results)), (3, None, None)]
        assert blobs.read(sha256_of(numbers)) == numbers
        assert blobs.read(sha256_of(results)) == results
        assert list(folder.iterdir()) == []
        get_engine().dispose()
