"""`yoshin eval` and `yoshin bench` run end to end on a few committed sample pages and print
(and write) the figures they promise."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from samples.generate import load_truth
from samples.sets import SETS_DIR

MEASURED = ("pages", "fields", "field_accuracy", "auto_accepted_share",
            "auto_accepted_error_rate", "pages_needing_review_share", "seconds_per_page",
            "per_type", "person_seconds_per_100_forms")


@pytest.fixture
def few_pages(tmp_path: Path) -> Path:
    """Three pages of the committed set (one per quality) with what the city knows."""
    source = SETS_DIR / "mixed-30"
    target = tmp_path / "set"
    target.mkdir()
    for image, _ in [load_truth(source)[i] for i in (0, 10, 20)]:
        shutil.copy(image, target / image.name)
        shutil.copy(image.with_suffix(".json"), target / f"{image.stem}.json")
    for name in ("residents.csv", "tickets.csv", "lots.csv"):
        shutil.copy(source / name, target / name)
    return target


def _yoshin(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    env["YOSHIN_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "yoshin", *args], env=env, text=True,
                          capture_output=True, timeout=600)


def test_eval_prints_and_writes_its_figures(few_pages: Path, tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    done = _yoshin("eval", str(few_pages), "--json", str(out), home=tmp_path / "home")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert set(MEASURED) <= set(figures)
    assert figures["pages"] == 3
    assert figures["fields"] == sum(len(t["fields"]) for _, t in load_truth(few_pages))
    assert 0.5 < figures["field_accuracy"] <= 1.0
    assert {"digits", "choice", "text"} <= set(figures["per_type"])
    assert "errors among" in done.stdout and "pages needing a person" in done.stdout
    assert "s per 100 forms" in done.stdout and figures["person_seconds_per_100_forms"] > 0
    held = figures["held_by"]
    assert all(count["alone"] <= count["pages"] for count in held.values())
    assert not held or "held back (" in done.stdout
    assert not (tmp_path / "home" / "yoshin.db").exists()  # eval never touches the real home


def test_bench_pushes_pages_through_a_real_worker(few_pages: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = _yoshin("bench", "--from", str(few_pages), "--pages", "3", "--workers", "1",
                   "--json", str(out), home=tmp_path / "home")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert figures["pages"] == 3 and figures["backend"] == "embedded"
    assert figures["pages_per_minute"] > 0
    assert 0 < figures["latency_median"] <= figures["latency_p95"]
    assert {"decode", "registration", "recognition", "storage"} <= set(figures["stages_median"])
    assert figures["peak_memory_mb"] and all(mb > 20 for mb in figures["peak_memory_mb"])
    assert "pages per minute" in done.stdout


def test_bench_sends_one_pdf_to_a_real_server_and_splits_it_in_the_queue(
        few_pages: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = _yoshin("bench", "--from", str(few_pages), "--pages", "3", "--workers", "1", "--pdf",
                   "--json", str(out), home=tmp_path / "home")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert figures["pages"] == 3 and figures["pages_per_minute"] > 0
    assert figures["pdf_megabytes"] > 0.1 and 0 < figures["upload_seconds"] < 60
    assert 50 < figures["server_peak_mb"] < 1000
    assert "one PDF of" in done.stdout and "split in the queue" in done.stdout
