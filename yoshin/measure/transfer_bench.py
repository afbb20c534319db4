"""`yoshin transfer-bench`: the transfer paths under load, in a throw-away installation.

A synthetic register (residents with My Numbers and records) is written straight into the
database (an empty one: give a PostgreSQL kept for benchmarks, as SQLite's single writer
cannot take a hundred audited answers a second); a real `yoshin serve` and `yoshin worker`
then answer (1) one bulk file of `queries` numbers, half of them ours, through the queue,
and (2) single queries sent at a steady rate, whose latencies are reported. The worker's
peak memory is read for a small and for the full bulk file, which shows whether memory
stays flat as the file grows.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median, quantiles

import httpx
from rich.console import Console

from models.migrate import upgrade
from yoshin.measure.harness import (
    descendants,
    free_port,
    isolated_home,
    peak_rss_mb,
    wait_for_api,
)
from yoshin.measure.register import PEER, TOKEN, random_my_number, write_register
from yoshin.worker_process import start_worker, stop_process_group

SMALL_BULK = 10_000
SERVER_PROCESSES = 2


@dataclass(frozen=True)
class TransferBench:
    residents: int
    bulk_queries: int
    bulk_seconds: float
    bulk_per_second: float
    worker_peak_mb_small: float
    worker_peak_mb_full: float
    rate: float
    single_queries: int
    single_errors: int
    latency_p50_ms: float
    latency_p99_ms: float
    latency_max_ms: float


def _bulk(client: httpx.Client, numbers: list[str], worker_pid: int) -> tuple[float, float]:
    body = ("\n".join(numbers) + "\n").encode()
    started = time.perf_counter()
    answer = client.post("/api/transfer/bulk", data={"requester_code": PEER},
                         files={"numbers": ("numbers.csv", body, "text/csv")})
    answer.raise_for_status()
    bulk_id = answer.json()["id"]
    while (state := client.get(f"/api/transfer/bulk/{bulk_id}").json())["state"] != "done":
        if state["state"] == "failed":
            raise SystemExit(f"bulk query failed: {state['error']}")
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    return seconds, max(peak_rss_mb(pid) for pid in descendants(worker_pid))


def _steady(client: httpx.Client, numbers: list[str], rate: float, seconds: float
            ) -> tuple[list[float], int]:
    """Queries sent on a fixed schedule (open loop), so a slow answer cannot slow the rate."""
    total = int(rate * seconds)
    started = time.perf_counter()

    def one(index: int) -> float | None:
        time.sleep(max(0.0, started + index / rate - time.perf_counter()))
        sent = time.perf_counter()
        try:
            answer = client.post("/api/transfer/query", json={
                "requester_code": PEER, "my_number": numbers[index % len(numbers)]})
        except httpx.HTTPError:
            return None
        return time.perf_counter() - sent if answer.status_code == 200 else None

    with ThreadPoolExecutor(max_workers=64) as pool:
        results = list(pool.map(one, range(total)))
    latencies = [r for r in results if r is not None]
    return latencies, total - len(latencies)


def run(residents: int, queries: int, rate: float, seconds: float, console: Console,
        database_url: str | None = None, broker_url: str | None = None) -> TransferBench:
    rng = random.Random(20261127)
    with tempfile.TemporaryDirectory(prefix="yoshin-transfer-bench-") as temporary:
        root = Path(temporary)
        with isolated_home(root / "home", database_url, broker_url) as env:
            upgrade()
            console.print(f"writing a register of {residents} residents…")
            ours = write_register(residents, rng)
            asked = [rng.choice(ours) if i % 2 else random_my_number(rng) for i in range(queries)]
            port = free_port()
            api = subprocess.Popen([sys.executable, "-m", "yoshin", "serve", "--port", str(port),
                                    "--workers", str(SERVER_PROCESSES)],
                                   env=env, stdout=(root / "api.log").open("wb"),
                                   stderr=subprocess.STDOUT)
            worker = start_worker(env, root / "worker.log", 1, wait_ready=True)
            client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                                  headers={"Authorization": f"Bearer {TOKEN}"})
            try:
                wait_for_api(client)
                console.print(f"bulk: {SMALL_BULK} numbers, then {queries}…")
                _, small_peak = _bulk(client, asked[:SMALL_BULK], worker.pid)
                bulk_seconds, full_peak = _bulk(client, asked, worker.pid)
                console.print(f"single queries: {rate:.0f}/s for {seconds:.0f} s…")
                latencies, errors = _steady(client, asked, rate, seconds)
            finally:
                stop_process_group(worker)
                api.terminate()
                api.wait(timeout=30)
    cut = quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return TransferBench(
        residents=residents, bulk_queries=queries, bulk_seconds=bulk_seconds,
        bulk_per_second=queries / bulk_seconds, worker_peak_mb_small=small_peak,
        worker_peak_mb_full=full_peak, rate=rate, single_queries=len(latencies) + errors,
        single_errors=errors, latency_p50_ms=1000 * median(latencies),
        latency_p99_ms=1000 * cut[98], latency_max_ms=1000 * max(latencies))


def print_result(result: TransferBench, console: Console) -> None:
    for key, value in asdict(result).items():
        console.print(f"  {key:22} {value:,.2f}" if isinstance(value, float)
                      else f"  {key:22} {value:,}")
