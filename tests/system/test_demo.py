"""`yoshin demo --no-serve` runs the whole flow on the embedded default from nothing."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path


def test_demo_runs_end_to_end_on_embedded_default(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    env["YOSHIN_HOME"] = str(tmp_path / "var")
    done = subprocess.run([sys.executable, "-m", "yoshin", "demo", "--no-serve", "--pages", "4"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"demo: (\d+) pages, (\d+) records committed", last)
    assert match, last
    assert int(match.group(1)) == 4
    with sqlite3.connect(tmp_path / "var" / "yoshin.db") as db:
        states = dict(db.execute("SELECT state, count(*) FROM pages GROUP BY state").fetchall())
        records = db.execute("SELECT count(*) FROM ledger_records").fetchone()[0]
    assert sum(states.values()) == 4
    # rejected: a deferral (予診のみ) the reader filed, which makes no record
    assert set(states) <= {"needs_review", "ready", "confirmed", "rejected", "failed"}
    assert records == int(match.group(2)) == states.get("confirmed", 0)
    assert "log in as" not in done.stdout
