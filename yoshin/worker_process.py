"""Running `yoshin worker` as a child process (for the demo and the benchmark) and stopping
it without leaving any of its pool behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def start_worker(env: dict[str, str], log: Path, concurrency: int | None = None,
                 wait_ready: bool = False) -> subprocess.Popen:
    """In a process group of its own, so that stopping it reaches its pool as well."""
    args = [sys.executable, "-m", "yoshin", "worker"]
    if concurrency:
        args += ["--concurrency", str(concurrency)]
    process = subprocess.Popen(args, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while wait_ready and b" ready." not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process_group(process)
            raise SystemExit(f"the worker did not start; see {log}")
        time.sleep(0.2)
    return process


def stop_process_group(process: subprocess.Popen, grace: float = 30) -> None:
    """Warm shutdown first (a worker's main process lets its pool finish the current page,
    a server's its requests); then whatever is left of the group is killed, so no orphaned
    child keeps running. For any process started with `start_new_session=True`."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)
