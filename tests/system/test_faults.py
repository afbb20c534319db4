"""Faults that really happen, really caused: a worker killed with SIGKILL in the middle of a
batch of BATCH pages, the Redis server killed and restarted in the middle of one, and the API
killed during an upload. Each ends with every page read exactly once and no dose in the
ledger twice, on PostgreSQL and Redis, with the reconciler running from the worker's beat.

The pages are the sample set's forms, each file made distinct by a PNG text chunk (the
pixels, and so the readings, repeat): ten copies of one form must give one ledger record.
"""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ARTIFACTS
from tests.stack import Stack, free_port, postgres_database, redis_database, wait_for

DONE = ("needs_review", "ready", "in_review", "second_check", "confirmed", "rejected", "failed")
FAST_RECONCILE = {"YOSHIN_RECONCILE_AFTER_SECONDS": "20", "YOSHIN_RECONCILE_EVERY_SECONDS": "5",
                  "YOSHIN_AUTO_COMMIT_READY": "true", "YOSHIN_TASK_RETRY_DELAY": "0.5"}
BATCH = 80
"""Pages per fault: with two processes of a worker taking messages ahead, a kill a quarter in
leaves pages mid-read, taken but unread, and queued; more pages only take longer."""
FIRST = 60
"""Of them, uploaded before Redis goes down; the rest are uploaded while it is down."""


def _distinct_copies(pages: list[Path], count: int) -> list[tuple[str, bytes]]:
    """`count` different files of the same forms: a tEXt chunk before IEND names the copy."""
    copies = []
    for n in range(count):
        source = pages[n % len(pages)]
        data = source.read_bytes()
        assert data[-12:-8] == b"\x00\x00\x00\x00" and data[-8:-4] == b"IEND"
        body = b"tEXt" + b"Comment\x00copy %d" % n
        chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
        copies.append((f"copy-{n:03d}-{source.name}", data[:-12] + chunk + data[-12:]))
    return copies


@pytest.fixture
def faulty(request: pytest.FixtureRequest, tmp_path: Path, sample_set) -> Iterator[Stack]:  # noqa: ANN001
    """A PostgreSQL + Redis installation loaded with the sample city."""
    logs = ARTIFACTS / "logs" / request.node.name
    logs.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    env |= {"YOSHIN_HOME": str(tmp_path / "home"), **FAST_RECONCILE}
    with postgres_database() as database, redis_database() as broker:
        env |= {"YOSHIN_DATABASE_URL": database, "YOSHIN_BROKER_URL": broker}
        stack = Stack(home=tmp_path / "home", env=env, logs=logs)
        stack.run("db", "upgrade")
        for what, path in (("residents", sample_set.residents_csv),
                           ("tickets", sample_set.tickets_csv), ("lots", sample_set.lots_csv),
                           ("clinics", sample_set.clinics_csv)):
            stack.run(what, "import", str(path))
        yield stack
        stack.stop_all()


def _upload(client: httpx.Client, files: list[tuple[str, bytes]]) -> httpx.Response:
    return client.post("/api/batches", files=[("files", (name, data, "image/png"))
                                              for name, data in files], timeout=600)


def _done(client: httpx.Client, batch_id: int) -> int:
    counts = client.get(f"/api/batches/{batch_id}").json()["counts"]
    return sum(counts.get(state, 0) for state in DONE)


def _check_exactly_once(stack: Stack, pages: int) -> dict[str, int]:
    """Every page read once (one machine reading per field), no dose twice in the ledger,
    one audit entry per record created."""
    engine = create_engine(stack.env["YOSHIN_DATABASE_URL"])
    with engine.connect() as db:
        states = dict(db.execute(text("SELECT state, count(*) FROM pages GROUP BY state")).all())
        assert sum(states.values()) == pages, states
        assert set(states) <= set(DONE) and states.get("failed", 0) == 0, states
        doubled_fields = db.execute(text(
            "SELECT count(*) FROM (SELECT page_id, key FROM field_values WHERE source = 'ocr' "
            "GROUP BY page_id, key HAVING count(*) > 1) AS d")).scalar()
        assert doubled_fields == 0
        unread = db.execute(text(
            "SELECT count(*) FROM pages p WHERE NOT EXISTS (SELECT 1 FROM field_values f "
            "WHERE f.page_id = p.id AND f.source = 'ocr')")).scalar()
        assert unread == 0
        records = db.execute(text("SELECT count(*) FROM ledger_records")).scalar()
        doses = db.execute(text("SELECT count(DISTINCT (resident_id, vaccine, dose_number)) "
                                "FROM ledger_records")).scalar()
        created = db.execute(text("SELECT count(*) FROM audit_events "
                                  "WHERE action = 'ledger.record.create'")).scalar()
        assert records == doses == created and records > 0
        requeued = db.execute(text(
            "SELECT coalesce(sum((detail->>'stuck_reading')::int), 0), "
            "coalesce(sum((detail->>'stuck_queued')::int), 0), "
            "coalesce(sum((detail->>'unqueued')::int), 0) FROM audit_events "
            "WHERE action = 'pages.reconcile'")).one()
    engine.dispose()
    return {"records": records, "stuck_reading": requeued[0], "stuck_queued": requeued[1],
            "unqueued": requeued[2], **states}


@pytest.mark.postgres
@pytest.mark.redis
def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(faulty: Stack, sample_set) -> None:  # noqa: ANN001
    faulty.start_api()
    scanner = faulty.user("scanner1", "scanner")
    copies = _distinct_copies(sample_set.pages, BATCH)
    answer = _upload(scanner, copies)
    assert answer.status_code == 201, answer.text
    batch_id = answer.json()["id"]
    faulty.start_worker(concurrency=2, beat=True)
    wait_for(lambda: _done(scanner, batch_id) >= BATCH // 4, 300, "a quarter of the pages read")
    faulty.stop("worker", signal.SIGKILL)
    killed_at = _done(scanner, batch_id)
    assert killed_at < BATCH
    faulty.start_worker(concurrency=2, beat=True)
    wait_for(lambda: _done(scanner, batch_id) == BATCH, 600, "every page after the kill")
    _check_exactly_once(faulty, BATCH)


class OwnRedis:
    """A Redis of this test's own that it may kill: nothing kept on disk, as configured on
    these machines, so a restart loses every queued message."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        wait_for(lambda: subprocess.run(["redis-cli", "-p", str(self.port), "ping"],
                                        capture_output=True).stdout.strip() == b"PONG",
                 30, "redis to answer")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@contextmanager
def _own_redis(log: Path) -> Iterator[OwnRedis]:
    redis_server = OwnRedis(free_port(), log)
    redis_server.start()
    try:
        yield redis_server
    finally:
        redis_server.kill()


@pytest.mark.postgres
def test_redis_restarted_mid_batch_ends_with_every_page_read_once(
        faulty: Stack, sample_set) -> None:  # noqa: ANN001
    with _own_redis(faulty.logs / "redis.log") as own:
        faulty.env["YOSHIN_BROKER_URL"] = f"redis://127.0.0.1:{own.port}/0"
        faulty.start_api()
        scanner = faulty.user("scanner1", "scanner")
        copies = _distinct_copies(sample_set.pages, BATCH)
        answer = _upload(scanner, copies[:FIRST])
        assert answer.status_code == 201, answer.text
        batch_id = answer.json()["id"]
        faulty.start_worker(concurrency=2, beat=True)
        wait_for(lambda: _done(scanner, batch_id) >= FIRST // 5, 300, "a fifth of the pages read")
        own.kill()
        # While Redis is down an upload still lands: its pages wait, marked, for the queue.
        during = _upload(scanner, copies[FIRST:])
        assert during.status_code == 201, during.text
        time.sleep(3)
        own.start()
        second = during.json()["id"]
        wait_for(lambda: _done(scanner, batch_id) == FIRST
                 and _done(scanner, second) == BATCH - FIRST,
                 900, "every page after Redis came back")
        faulty.stop("worker")
        faulty.stop("api")
    found = _check_exactly_once(faulty, BATCH)
    # the reconciler queued what Redis refused or lost
    assert found["unqueued"] >= BATCH - FIRST, found


@pytest.mark.postgres
@pytest.mark.redis
def test_the_api_killed_during_an_upload_leaves_no_half_batch(faulty: Stack, sample_set) -> None:  # noqa: ANN001
    faulty.start_api()
    scanner = faulty.user("scanner1", "scanner")
    copies = _distinct_copies(sample_set.pages, 60)
    outcome: dict[str, object] = {}

    def upload() -> None:
        try:
            outcome["answer"] = _upload(scanner, copies)
        except httpx.HTTPError as error:
            outcome["error"] = error

    sender = threading.Thread(target=upload)
    sender.start()
    time.sleep(2.0)
    faulty.stop("api", signal.SIGKILL)
    sender.join(timeout=120)
    assert "error" in outcome, "the upload should have been cut off by the kill"
    engine = create_engine(faulty.env["YOSHIN_DATABASE_URL"])
    with engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM pages")).scalar() in (0, 60)
        assert db.execute(text("SELECT count(*) FROM batches")).scalar() in (0, 1)
    engine.dispose()

    faulty.start_api()
    faulty.start_worker(concurrency=2, beat=True)
    again = _upload(scanner, copies)
    assert again.status_code in (201, 409), again.text
    wait_for(lambda: _count_done(faulty) == 60, 600, "the 60 pages after the restart")
    _check_exactly_once(faulty, 60)


def _count_done(stack: Stack) -> int:
    engine = create_engine(stack.env["YOSHIN_DATABASE_URL"])
    with engine.connect() as db:
        done = db.execute(text("SELECT count(*) FROM pages WHERE state = ANY(:s)"),
                          {"s": list(DONE)}).scalar()
    engine.dispose()
    return int(done or 0)
