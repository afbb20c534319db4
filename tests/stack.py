"""Running Yoshin as it runs in production, for integration tests: `yoshin serve` and
`yoshin worker` as real processes, on the embedded default or on PostgreSQL and Redis."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import redis

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.3) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database for one test run, dropped afterwards."""
    name = f"yoshin_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def redis_database() -> Iterator[str]:
    """A Redis database number of its own, emptied before and after."""
    number = 10 + os.getpid() % 5
    url = f"{REDIS_URL}/{number}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()


@dataclass
class Stack:
    home: Path
    env: dict[str, str]
    logs: Path
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "yoshin", *args], env=self.env, text=True,
                              capture_output=True, check=check, timeout=600)

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen([sys.executable, "-m", "yoshin", *args], env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def start(self, name: str, *args: str) -> subprocess.Popen:
        """Any `yoshin` command as a long-running process of this installation."""
        return self._start(name, *args)

    def start_api(self) -> None:
        self._start("api", "serve", "--port", str(self.port))

        process = self.processes["api"]

        def healthy() -> bool:
            if process.poll() is not None:
                log = (self.logs / "api.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"yoshin serve exited with {process.returncode}:\n{log}")
            try:
                return httpx.get(f"{self.url}/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(healthy, 60, "the API to answer")

    def start_worker(self, concurrency: int = 2, beat: bool = False, queues: str = "") -> None:
        self._start("worker", "worker", "--concurrency", str(concurrency),
                    *(["--beat"] if beat else []), *(["--queues", queues] if queues else []))

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        try:
            if sig == signal.SIGTERM:
                process.send_signal(sig)  # the main process shuts its children down itself
            else:
                os.killpg(process.pid, sig)
            process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def user(self, username: str, role: str) -> httpx.Client:
        """A client logged in through the API token of a fresh user of that role."""
        out = self.run("users", "create", username, "--role", role, "--token").stdout
        token = out.strip().rsplit(" ", 1)[-1]
        return httpx.Client(base_url=self.url, timeout=120,
                            headers={"Authorization": f"Bearer {token}"})
