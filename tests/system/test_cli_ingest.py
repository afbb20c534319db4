"""`yoshin ingest` stores a folder of scans as one batch and watches it being read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.stack import Stack


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_ingest_folder_with_progress(stack: Stack, sample_set, tmp_path: Path) -> None:  # noqa: ANN001
    stack.run("db", "upgrade")
    stack.run("users", "create", "scanner1", "--role", "scanner", "--token")
    folder = tmp_path / "scans"
    folder.mkdir()
    for page in sample_set.pages[:3]:
        shutil.copy(page, folder / page.name)
    (folder / "notes.txt").write_text("not a scan")
    stack.start_worker(concurrency=2)
    done = stack.run("ingest", "--user", "scanner1", "--label", "folder", str(folder))
    assert "batch 1: 3 files, 3 pages stored and queued" in done.stdout
    assert "3/3" in done.stdout
    refused = stack.run("ingest", "--user", "scanner1", str(folder / "page-0001.png"),
                        check=False)
    assert refused.returncode == 1
    assert "already uploaded in batch 1" in refused.stdout
    unknown = stack.run("ingest", "--user", "nobody", str(sample_set.pages[4]), check=False)
    assert unknown.returncode != 0 and "no active user nobody" in unknown.stderr
