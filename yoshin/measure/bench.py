"""`yoshin bench`: generated pages pushed through the real queue and real worker processes,
timed from upload until each page is ready for review.

With `--pdf` the pages go in as one PDF, the way a multifunction printer sends them, posted
to a real `yoshin serve` process: the figures then include the answer's time, the server's
memory, and the splitting of every page in the queue.

Runs in a throw-away home on the embedded default, or on the PostgreSQL and Redis given
(use a database kept for benchmarking: the run leaves its rows there).
"""

from __future__ import annotations

import io
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median, quantiles

import httpx
from PIL import Image
from pypdf import PdfReader, PdfWriter
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

from accounts.users import find_user, replace_tokens
from models import Page, Role
from models.base import utcnow
from models.db import session_scope
from models.migrate import upgrade
from models.page_state import WORK_DONE
from samples.generate import generate_set, load_truth
from samples.sets import RESERVED_SEEDS
from yoshin.city import ensure_user, load_city
from yoshin.measure.harness import (
    descendants,
    free_port,
    isolated_home,
    peak_rss_mb,
    store_pages,
    wait_for_api,
)
from yoshin.worker_process import start_worker, stop_process_group


@dataclass(frozen=True)
class BenchResult:
    backend: str
    pages: int
    workers: int
    upload_seconds: float
    total_seconds: float
    pages_per_minute: float
    latency_median: float
    latency_p95: float
    stages_median: dict[str, float]
    peak_memory_mb: list[float]
    pdf_megabytes: float | None = None
    """With --pdf: the size of the one PDF posted, and the server's peak memory (MB)."""
    server_peak_mb: float | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _wait(ids: list[int], console: Console, timeout: float) -> None:
    columns = (TextColumn("reading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("pages", total=len(ids))
        deadline = time.monotonic() + timeout
        while True:
            with session_scope() as session:
                done = session.scalar(select(func.count()).select_from(Page).where(
                    Page.id.in_(ids), Page.state.in_(WORK_DONE))) or 0
            progress.update(task, completed=done)
            if done >= len(ids):
                return
            if time.monotonic() > deadline:
                raise SystemExit(f"only {done} of {len(ids)} pages were read in {timeout:.0f}s")
            time.sleep(0.5)


def _figures(ids: list[int]) -> tuple[float, list[float], dict[str, list[float]]]:
    with session_scope() as session:
        rows = session.execute(select(Page.created_at, Page.read_at, Page.timings)
                               .where(Page.id.in_(ids))).all()
    latencies = [(read - created).total_seconds() for created, read, _ in rows if read]
    span = (max(r for _, r, _ in rows if r) - min(c for c, _, _ in rows)).total_seconds()
    stages: dict[str, list[float]] = {}
    for _, _, timings in rows:
        for stage, seconds in (timings or {}).items():
            stages.setdefault(stage, []).append(seconds)
    return span, latencies, stages


PDF_DPI = 300
PDF_JPEG_QUALITY = 90
"""A multifunction printer's usual PDF: each page a 300 dpi JPEG."""
PDF_CHUNK = 20
UPLOAD_TIMEOUT = 600


def _as_pdf(files: list[Path], target: Path) -> Path:
    """The scans as one PDF of JPEG pages, written PDF_CHUNK pages at a time and joined
    (the JPEG streams copied, not decoded), so the pages never sit in memory together."""
    writer = PdfWriter()
    for start in range(0, len(files), PDF_CHUNK):
        first, *rest = [Image.open(path).convert("L") for path in files[start:start + PDF_CHUNK]]
        part = io.BytesIO()
        first.save(part, format="PDF", save_all=True, append_images=rest, resolution=PDF_DPI,
                   quality=PDF_JPEG_QUALITY)
        writer.append(PdfReader(part))
    with target.open("wb") as handle:
        writer.write(handle)
    return target


def _token() -> str:
    """An API token of the bench's own scanner account (its only one)."""
    with session_scope() as session:
        return replace_tokens(find_user(session, "bench"), "bench")


def _post_pdf(pdf: Path, env: dict[str, str], log: Path) -> tuple[list[int], float, float]:
    """Post the PDF to a `yoshin serve` of this installation: the pages' ids, the seconds
    until the answer, and the server's peak memory in MB."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "yoshin", "serve", "--port", str(port)],
                              env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=UPLOAD_TIMEOUT,
                          headers={"Authorization": f"Bearer {_token()}"}) as client:
            wait_for_api(client)
            with pdf.open("rb") as handle:
                started = time.perf_counter()
                answer = client.post("/api/batches", files={"files": (
                    pdf.name, handle, "application/pdf")})
                seconds = time.perf_counter() - started
            if answer.status_code != 201:
                raise SystemExit(f"the upload was refused: {answer.text}")
            ids = [page["id"] for page in answer.json()["pages"]]
            return ids, seconds, peak_rss_mb(server.pid)
    finally:
        stop_process_group(server)


def run_bench(pages: int, workers: int, quality: str, console: Console,
              database_url: str | None = None, broker_url: str | None = None,
              source: Path | None = None, pdf: bool = False) -> BenchResult:
    with tempfile.TemporaryDirectory(prefix="yoshin-bench-") as temporary:
        root = Path(temporary)
        if source is None:
            console.print(f"generating {pages} {quality} pages…")
            seed = secrets.randbelow(RESERVED_SEEDS.start)
            source = generate_set(root / "set", count=pages, seed=seed, quality=quality).directory
        files = [path for path, _ in load_truth(source)][:pages]
        scan, megabytes = None, None
        if pdf:
            with console.status(f"writing the {len(files)} pages as one PDF…"):
                scan = _as_pdf(files, root / "scan.pdf")
            megabytes = scan.stat().st_size / 1e6
        with isolated_home(root / "home", database_url, broker_url) as env:
            upgrade()
            load_city(source, actor="bench")
            ensure_user("bench", Role.SCANNER)
            worker = start_worker(env, root / "worker.log", workers, wait_ready=True)
            server_peak = None
            try:
                started = utcnow()
                if scan is None:
                    ids = [i for part in store_pages(files, username="bench", queue=True)
                           for i in part]
                    upload_seconds = (utcnow() - started).total_seconds()
                else:
                    ids, upload_seconds, server_peak = _post_pdf(scan, env, root / "api.log")
                _wait(ids, console, timeout=max(600.0, 20.0 * len(ids)))
                peaks = [peak_rss_mb(pid) for pid in descendants(worker.pid)]
            finally:
                stop_process_group(worker)
            span, latencies, stages = _figures(ids)
    return BenchResult(
        backend="postgresql+redis" if database_url else "embedded", pages=len(ids),
        workers=workers, upload_seconds=upload_seconds, total_seconds=span,
        pages_per_minute=60 * len(ids) / span if span else 0.0,
        latency_median=median(latencies),
        latency_p95=quantiles(latencies, n=20)[18] if len(latencies) > 1 else latencies[0],
        stages_median={stage: median(values) for stage, values in sorted(stages.items())},
        peak_memory_mb=sorted(peaks, reverse=True),
        pdf_megabytes=megabytes, server_peak_mb=server_peak,
    )


def print_bench(result: BenchResult, console: Console) -> None:
    console.print(f"yoshin bench: {result.pages} pages, {result.workers} workers, "
                  f"{result.backend}")
    console.print(f"  throughput      {result.pages_per_minute:.1f} pages per minute "
                  f"({result.total_seconds:.1f} s from first upload to last page read)")
    if result.pdf_megabytes is not None:
        console.print(f"  upload          one PDF of {result.pdf_megabytes:.0f} MB answered in "
                      f"{result.upload_seconds:.2f} s; server peak {result.server_peak_mb:.0f} MB "
                      "(pages split in the queue, included in the throughput)")
    else:
        console.print(f"  upload          {result.upload_seconds:.1f} s to store and queue")
    console.print(f"  upload→review   median {result.latency_median:.1f} s, "
                  f"p95 {result.latency_p95:.1f} s")
    stages = ", ".join(f"{k} {v:.3f} s" for k, v in result.stages_median.items())
    console.print(f"  per page median {stages}")
    memory = ", ".join(f"{mb:.0f}" for mb in result.peak_memory_mb)
    console.print(f"  peak memory MB  {memory} (worker processes)")
