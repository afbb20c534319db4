"""`yoshin load-test`: scanners uploading, reviewers deciding and other municipalities asking,
all at once, on loopback.

Each path has a benchmark of its own, but an office runs them together on one server and one
database, where they compete for threads, connections and row locks. This drives a real
`yoshin serve` and `yoshin worker` in a throw-away installation (PostgreSQL and Redis: SQLite's
single writer cannot take it) and reports, per kind of request, the errors, the throughput and
the p50/p99 latency, so that "no error under load" is a figure, not a hope.
"""

from __future__ import annotations

import gc
import multiprocessing
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from math import ceil
from multiprocessing.connection import Connection
from pathlib import Path
from statistics import quantiles
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from accounts.users import hash_token, new_token
from models import ApiToken, Page, PageState, Role, User
from models.base import utcnow
from models.db import session_scope
from models.migrate import upgrade
from models.page_state import WORK_DONE
from samples.generate import generate_set, load_truth
from yoshin.city import load_city
from yoshin.measure.harness import free_port, isolated_home, wait_for_api
from yoshin.measure.register import PEER, TOKEN, random_my_number, write_register
from yoshin.worker_process import start_worker, stop_process_group

UPLOAD_EVERY = 4.0
"""Seconds between one uploader's pages (a scanner feeding one sheet at a time)."""
THINK_SECONDS = 0.5
"""A reviewer's pause between pages, and its wait when no page is waiting."""
PRELOADED_PER_REVIEWER = 3
"""Pages read before the clock starts, so every reviewer has work from the first second."""
DISTINCT_FORMS = 120
"""Forms generated at most (about 0.3 s each); further uploads are distinct copies of them."""
REGISTER = 20_000
SENDERS = 128
"""Threads sending transfer queries: enough that a slow answer never delays the schedule."""
SERVER_PROCESSES = 2
WORKER_CONCURRENCY = 2
TIMEOUT_SECONDS = 60.0
KEEPALIVE_SECONDS = 2.0
"""Below uvicorn's 5 s keep-alive: a connection the server is closing as idle is never reused
(the request would meet a reset, an error of the client's making)."""
SEED = 20260601
EXAMPLES = 5
REJECT_REASON = "負荷試験: 台帳に記録できない"
LOG_COPY = Path(tempfile.gettempdir()) / "yoshin-load-api.log"
WORKER_LOG_COPY = LOG_COPY.with_name("yoshin-load-worker.log")
SETTINGS = {"YOSHIN_AUTO_COMMIT_READY": "false", "YOSHIN_SECOND_CHECK": "false"}
"""Every read page goes to a person, and a confirmed page straight to the ledger."""


@dataclass(frozen=True)
class KindResult:
    """One kind of request: latencies over all requests sent (errors included), throughput
    over those that succeeded."""

    count: int
    errors: int
    per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float


@dataclass(frozen=True)
class LoadResult:
    seconds: float
    rate: float
    uploaders: int
    reviewers: int
    upload: KindResult
    review: KindResult
    transfer: KindResult
    review_steps: dict[str, KindResult]
    pages_uploaded: int
    pages_read: int
    """Pages the worker finished reading while the load ran."""
    pages_decided: int
    pages_confirmed: int
    pages_rejected: int
    pages_unread: int
    """Pages still queued or being read when the load stopped."""
    reviewer_idle: int
    """Times a reviewer asked for a page and none was waiting (204)."""
    errors: dict[str, int]
    error_examples: list[str]
    api_log: str

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


@dataclass
class _Tally:
    """What the load threads record, under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    start: float = field(default_factory=time.perf_counter)
    """When the load began; examples say how long after it they happened."""
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def request(self, keys: tuple[str, ...], seconds: float, error: str | None,
                example: str = "") -> None:
        with self.lock:
            for key in keys:
                self.latencies.setdefault(key, []).append(seconds)
                self.failures[key] = self.failures.get(key, 0) + (error is not None)
            if error is not None:
                self.errors[error] += 1
                if len(self.examples) < EXAMPLES:
                    self.examples.append(f"+{time.perf_counter() - self.start:.1f} s {example}")

    def crash(self, where: str, error: Exception) -> None:
        """A fault of this module's own (an answer it could not use): counted, never hidden."""
        with self.lock:
            self.errors[f"{where}: {type(error).__name__}"] += 1
            if len(self.examples) < EXAMPLES:
                self.examples.append(f"+{time.perf_counter() - self.start:.1f} s {where}: "
                                     f"{error!r}")

    def count(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1

    def recorded(self) -> tuple[dict, dict, dict, list, dict]:
        """What this tally holds, to be sent to another process's (see add)."""
        with self.lock:
            return (self.latencies, self.failures, dict(self.errors), self.examples,
                    dict(self.counts))

    def add(self, recorded: tuple[dict, dict, dict, list, dict]) -> None:
        """Another tally's records (its `recorded()`) added to this one's."""
        latencies, failures, errors, examples, counts = recorded
        with self.lock:
            for key, values in latencies.items():
                self.latencies.setdefault(key, []).extend(values)
            for key, failed in failures.items():
                self.failures[key] = self.failures.get(key, 0) + failed
            self.errors.update(errors)
            self.examples.extend(examples[:max(0, EXAMPLES - len(self.examples))])
            self.counts.update(counts)

    def result(self, key: str, seconds: float) -> KindResult:
        latencies = self.latencies.get(key, [])
        failed = self.failures.get(key, 0)
        if not latencies:
            return KindResult(0, 0, 0.0, 0.0, 0.0, 0.0)
        cut = quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 \
            else latencies * 99
        return KindResult(count=len(latencies), errors=failed,
                          per_second=(len(latencies) - failed) / seconds,
                          p50_ms=1000 * cut[49], p99_ms=1000 * cut[98],
                          max_ms=1000 * max(latencies))


def _call(tally: _Tally, keys: tuple[str, ...], client: httpx.Client, method: str, url: str,
          expected: frozenset[int], since: float | None = None, **kwargs: Any
          ) -> httpx.Response | None:
    """One request, timed from `since` (its scheduled moment) or from when it is sent. An
    error is a transport failure or a status outside `expected`; the answer is returned
    either way (None after a transport failure). `kwargs` go to httpx as they are (json,
    files, headers)."""
    started = time.perf_counter() if since is None else since
    what = " ".join(keys)
    try:
        answer = client.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        tally.request(keys, time.perf_counter() - started, f"{what}: {type(error).__name__}",
                      f"{method} {url}: {error!r}")
        return None
    seconds = time.perf_counter() - started
    if answer.status_code in expected:
        tally.request(keys, seconds, None)
    else:
        tally.request(keys, seconds, f"{what}: HTTP {answer.status_code}",
                      f"{method} {url} → {answer.status_code}: {answer.text[:300]}")
    return answer


def _distinct(source: Path, copy: int) -> tuple[str, bytes, str]:
    """A file no upload has sent before, of the same pixels: a PNG text chunk before IEND,
    or a JPEG comment after SOI, names the copy."""
    data = source.read_bytes()
    note = b"load-test copy %d" % copy
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[-8:-4] == b"IEND":
        body = b"tEXt" + b"Comment\x00" + note
        chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
        return f"copy-{copy:05d}-{source.name}", data[:-12] + chunk + data[-12:], "image/png"
    if data[:2] == b"\xff\xd8":
        comment = b"\xff\xfe" + struct.pack(">H", len(note) + 2) + note
        return f"copy-{copy:05d}-{source.name}", data[:2] + comment + data[2:], "image/jpeg"
    raise ValueError(f"{source.name} is neither PNG nor JPEG")


class _Copies:
    """Hands out distinct files of the generated forms, one at a time, to any thread."""

    def __init__(self, pages: list[Path]) -> None:
        self.pages = pages
        self.next_copy = 0
        self.lock = threading.Lock()

    def take(self) -> tuple[str, bytes, str]:
        with self.lock:
            copy = self.next_copy
            self.next_copy += 1
        return _distinct(self.pages[copy % len(self.pages)], copy)


def _accounts(prefix: str, role: Role, count: int) -> list[str]:
    """`count` personal accounts of the role, each with an API token."""
    tokens = [new_token() for _ in range(count)]
    with session_scope() as session:
        for n, token in enumerate(tokens):
            user = User(username=f"{prefix}-{n:02d}", role=role)
            session.add(user)
            session.add(ApiToken(user=user, name="load-test", token_hash=hash_token(token)))
    return tokens


def _client(port: int, token: str, connections: int = 4) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=TIMEOUT_SECONDS,
                        headers={"Authorization": f"Bearer {token}"},
                        limits=httpx.Limits(max_connections=connections,
                                            max_keepalive_connections=connections,
                                            keepalive_expiry=KEEPALIVE_SECONDS))


def _count_pages(*states: str) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Page)
                              .where(Page.state.in_(states))) or 0


def _preload(client: httpx.Client, copies: _Copies, count: int, console: Console) -> None:
    """Upload `count` pages and wait until the worker has read them all."""
    for start in range(0, count, 10):
        files = [copies.take() for _ in range(min(10, count - start))]
        answer = client.post("/api/batches", files=[("files", f) for f in files])
        if answer.status_code != 201:
            raise SystemExit(f"the preloaded pages were refused: {answer.status_code} "
                             f"{answer.text[:300]}")
    deadline = time.monotonic() + max(300.0, 10.0 * count)
    with console.status(f"reading {count} pages before the clock starts…"):
        while (done := _count_pages(*WORK_DONE)) < count:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {done} of {count} preloaded pages were read")
            time.sleep(1)


def _uploader(client: httpx.Client, copies: _Copies, tally: _Tally, first: float,
              until: float) -> None:
    """One page every UPLOAD_EVERY seconds, or right after the last if that took longer."""
    due = first
    while due < until:
        time.sleep(max(0.0, due - time.perf_counter()))
        try:
            answer = _call(tally, ("upload",), client, "POST", "/api/batches",
                           frozenset({201}), files=[("files", copies.take())])
            if answer is not None and answer.status_code == 201:
                tally.count("uploaded")
        except Exception as error:  # counted and shown, not hidden
            tally.crash("uploader", error)
        due = max(due + UPLOAD_EVERY, time.perf_counter())


def _review_one(client: httpx.Client, tally: _Tally) -> None:
    """Lease the next page, read it, match the resident when the worker could not and one
    candidate fits, and confirm it; a page that cannot become a record (409/422: a value is
    invalid, the dose is already in the ledger) is rejected with a reason."""
    ok = frozenset({200})
    answer = _call(tally, ("review", "next"), client, "GET", "/api/review/next",
                   frozenset({200, 204}))
    if answer is None or answer.status_code != 200:
        if answer is not None and answer.status_code == 204:
            tally.count("idle")
        return
    page_id = answer.json()["id"]
    answer = _call(tally, ("review", "page"), client, "GET", f"/api/pages/{page_id}", ok)
    if answer is None or answer.status_code != 200:
        return
    if answer.json()["resident_id"] is None:
        answer = _call(tally, ("review", "candidates"), client, "GET",
                       f"/api/pages/{page_id}/candidates", ok)
        fitting = [c for c in answer.json() if not c["differs"]] \
            if answer is not None and answer.status_code == 200 else []
        if len(fitting) == 1:
            _call(tally, ("review", "resident"), client, "PUT", f"/api/pages/{page_id}/resident",
                  ok, json={"resident_id": fitting[0]["resident_id"]})
    answer = _call(tally, ("review", "confirm"), client, "POST",
                   f"/api/pages/{page_id}/confirm", frozenset({200, 409, 422}))
    if answer is None:
        return
    if answer.status_code == 200:
        tally.count("confirmed")
    elif answer.status_code in (409, 422):
        answer = _call(tally, ("review", "reject"), client, "POST",
                       f"/api/pages/{page_id}/reject", ok, json={"reason": REJECT_REASON})
        if answer is not None and answer.status_code == 200:
            tally.count("rejected")


def _reviewer(client: httpx.Client, tally: _Tally, until: float) -> None:
    while time.perf_counter() < until:
        try:
            _review_one(client, tally)
        except Exception as error:  # counted and shown, not hidden
            tally.crash("reviewer", error)
        time.sleep(THINK_SECONDS)


def _transfers(client: httpx.Client, asked: list[str], rate: float, start: float,
               seconds: float, tally: _Tally) -> None:
    """Queries on a fixed schedule (open loop), each timed from its scheduled moment, so a
    slow server shows as latency rather than as a lower rate."""

    def one(index: int) -> None:
        due = start + index / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        try:
            _call(tally, ("transfer",), client, "POST", "/api/transfer/query", frozenset({200}),
                  since=due, json={"requester_code": PEER,
                                   "my_number": asked[index % len(asked)]})
        except Exception as error:  # counted and shown, not hidden
            tally.crash("transfer", error)

    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        list(pool.map(one, range(int(rate * seconds))))


def _peer_municipality(sent: Connection, port: int, asked: list[str], rate: float,
                       start: float, seconds: float) -> None:
    """The other municipality: its queries sent from a process of its own, as they come from
    another machine, and its tally sent back. Sent from the threads of the scanning desk's
    and the reviewers' process, a query's answer waited for that process's interpreter lock
    (168 threads) before it was timed, and that wait was counted as the server's."""
    tally = _Tally(start=start)
    with _client(port, TOKEN, connections=SENDERS) as peer:
        _transfers(peer, asked, rate, start, seconds, tally)
    sent.send(tally.recorded())
    sent.close()


def _load(port: int, scanners: list[str], reviewers: list[str], copies: _Copies,
          asked: list[str], rate: float, seconds: float, tally: _Tally) -> float:
    """Every thread at once for `seconds`, the peer's queries from a process of their own
    (_peer_municipality); returns the seconds until the last one ended."""
    clients = [_client(port, token) for token in (*scanners, *reviewers)]
    # What setting up left (the register, the pages' copies) is kept out of the collector:
    # a full collection over it stopped every sending thread for up to 0.2 s, and that pause
    # was counted in the answers' times as if the server had taken it.
    gc.collect()
    gc.freeze()
    start = tally.start = time.perf_counter()
    until = start + seconds
    forked = multiprocessing.get_context("fork")
    received, sent = forked.Pipe(duplex=False)
    peer = forked.Process(target=_peer_municipality,
                          args=(sent, port, asked, rate, start, seconds), daemon=True)
    jobs: list[tuple[Callable[..., None], tuple[object, ...]]] = [
        (_uploader, (client, copies, tally, start + n * UPLOAD_EVERY / len(scanners), until))
        for n, client in enumerate(clients[:len(scanners)])]
    jobs += [(_reviewer, (client, tally, until)) for client in clients[len(scanners):]]
    threads = [threading.Thread(target=target, args=args, daemon=True) for target, args in jobs]
    try:
        peer.start()  # forked before any load thread runs
        sent.close()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        try:
            tally.add(received.recv())
        except EOFError as error:  # the sender died: its queries are lost, and said so
            tally.crash("transfer sender", error)
        peer.join()
    finally:
        gc.unfreeze()
        if peer.is_alive():
            peer.kill()
    elapsed = time.perf_counter() - start
    for client in clients:
        client.close()
    return elapsed


def run(seconds: float, rate: float, uploaders: int, reviewers: int, console: Console,
        database_url: str, broker_url: str) -> LoadResult:
    if not database_url.startswith("postgresql") or not broker_url.startswith("redis"):
        raise SystemExit("the load test needs PostgreSQL and Redis (give an empty database)")
    rng = random.Random(SEED)
    preloaded = PRELOADED_PER_REVIEWER * reviewers
    needed = preloaded + uploaders * ceil(seconds / UPLOAD_EVERY + 1)
    with tempfile.TemporaryDirectory(prefix="yoshin-load-") as temporary:
        root = Path(temporary)
        forms = max(1, min(DISTINCT_FORMS, needed))
        console.print(f"generating {forms} office pages…")
        source = generate_set(root / "set", count=forms, seed=SEED, quality="office",
                              form="mixed").directory
        copies = _Copies([path for path, _ in load_truth(source)])
        with isolated_home(root / "home", database_url, broker_url) as env:
            env |= SETTINGS
            upgrade()
            console.print(f"loading the city and a register of {REGISTER:,} residents…")
            load_city(source, actor="load-test")
            ours = write_register(REGISTER, rng, prefix="L", actor="load-test")
            asked = [rng.choice(ours) if i % 2 else random_my_number(rng) for i in range(20_000)]
            preloader, *scanners = _accounts("load-scanner", Role.SCANNER, uploaders + 1)
            checkers = _accounts("load-reviewer", Role.REVIEWER, reviewers)
            port = free_port()
            api_log = root / "api.log"
            api = subprocess.Popen(
                [sys.executable, "-m", "yoshin", "serve", "--port", str(port),
                 "--workers", str(SERVER_PROCESSES)], env=env, stdout=api_log.open("wb"),
                stderr=subprocess.STDOUT, start_new_session=True)
            worker: subprocess.Popen | None = None
            tally = _Tally()
            try:
                worker = start_worker(env, root / "worker.log", WORKER_CONCURRENCY,
                                      wait_ready=True)
                with _client(port, preloader) as client:
                    wait_for_api(client)
                    _preload(client, copies, preloaded, console)
                console.print(f"load: {uploaders} uploaders, {reviewers} reviewers and "
                              f"{rate:g} transfer queries/s for {seconds:g} s…")
                started_at = utcnow()
                elapsed = _load(port, scanners, checkers, copies, asked, rate, seconds, tally)
                ended_at = utcnow()
            finally:
                if worker is not None:
                    stop_process_group(worker)
                stop_process_group(api)
                for log, copy in ((api_log, LOG_COPY), (root / "worker.log", WORKER_LOG_COPY)):
                    if log.exists():
                        shutil.copyfile(log, copy)
            with session_scope() as session:
                read = session.scalar(select(func.count()).select_from(Page).where(
                    Page.read_at >= started_at, Page.read_at <= ended_at)) or 0
            unread = _count_pages(PageState.QUEUED, PageState.READING)
    steps = ("next", "page", "candidates", "resident", "confirm", "reject")
    counts = tally.counts
    return LoadResult(
        seconds=elapsed, rate=rate, uploaders=uploaders, reviewers=reviewers,
        upload=tally.result("upload", elapsed), review=tally.result("review", elapsed),
        transfer=tally.result("transfer", elapsed),
        review_steps={step: tally.result(step, elapsed) for step in steps},
        pages_uploaded=counts["uploaded"], pages_read=read,
        pages_decided=counts["confirmed"] + counts["rejected"],
        pages_confirmed=counts["confirmed"], pages_rejected=counts["rejected"],
        pages_unread=unread, reviewer_idle=counts["idle"], errors=dict(tally.errors),
        error_examples=list(tally.examples), api_log=str(LOG_COPY))


def print_result(result: LoadResult, console: Console) -> None:
    console.print(f"yoshin load-test: {result.uploaders} uploaders, {result.reviewers} "
                  f"reviewers and {result.rate:g} transfer queries/s for {result.seconds:.1f} s")
    table = Table()
    for column in ("requests", "count", "errors", "per s", "p50 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="left" if column == "requests" else "right")

    def row(name: str, kind: KindResult, style: str = "") -> None:
        table.add_row(name, f"{kind.count:,}", f"{kind.errors:,}", f"{kind.per_second:.1f}",
                      f"{kind.p50_ms:.0f}", f"{kind.p99_ms:.0f}", f"{kind.max_ms:.0f}",
                      style=style)

    row("upload", result.upload)
    row("review", result.review)
    for step, kind in result.review_steps.items():
        if kind.count:
            row(f"  {step}", kind, "dim")
    row("transfer query", result.transfer)
    console.print(table)
    console.print(f"pages: {result.pages_uploaded} uploaded, {result.pages_read} read by the "
                  f"worker, {result.pages_decided} decided ({result.pages_confirmed} "
                  f"confirmed, {result.pages_rejected} rejected), {result.pages_unread} still "
                  f"to read at the end; no page waiting {result.reviewer_idle} times")
    if not result.errors:
        console.print("[green]no error[/green]")
        return
    console.print(f"[red]{result.error_count} errors[/red] (API log: {result.api_log})")
    for what, count in sorted(result.errors.items(), key=lambda item: -item[1]):
        console.print(f"  {count:6,}  {what}")
    for example in result.error_examples:
        console.print(f"  e.g. {example}", markup=False, highlight=False)
