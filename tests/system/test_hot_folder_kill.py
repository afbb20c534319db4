"""`yoshin watch` killed with SIGKILL in the middle of a file, and again just after a commit,
leaves every scan either done once or still waiting; started again, it finishes them all."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import httpx
import pytest

from tests.stack import Stack, wait_for

BIG_BYTES = 150 * 1024 * 1024
"""Large enough that copying it into the store takes a visible while (a sparse file: no
disk is used until the watcher copies it)."""


def _incoming(stack: Stack) -> list[Path]:
    store = stack.home / "store"
    return list(store.glob(".incoming-*")) if store.exists() else []


def _documents(scanner: httpx.Client) -> dict[str, int]:
    """How many stored documents carry each file name, over every batch."""
    names: dict[str, int] = {}
    for batch in scanner.get("/api/batches", params={"limit": 200}).json():
        for page in scanner.get(f"/api/batches/{batch['id']}").json()["pages"]:
            if page["page_number"] == 1:
                names[page["document"]] = names.get(page["document"], 0) + 1
    return names


def _check(folder: Path, scans: list[str], scanner: httpx.Client) -> None:
    """Every scan is exactly once either waiting, done or failed; a done one is stored once,
    a failed one not at all, and a waiting one at most once (killed between the commit and
    the move: taken again, it is found stored and only moved)."""
    stored = _documents(scanner)
    for name in scans:
        places = [where for where in (folder, folder / "done", folder / "failed")
                  if (where / name).exists()]
        assert len(places) == 1, (name, places)
        assert not list((folder / "done").glob(f"{Path(name).stem}-*")), name
        allowed = {folder: {0, 1}, folder / "done": {1}, folder / "failed": {0}}[places[0]]
        assert stored.get(name, 0) in allowed, (name, places, stored)


@pytest.mark.parametrize("stack", ["postgres+redis"], indirect=True)
def test_a_killed_watcher_never_loses_or_doubles_a_scan(stack: Stack, sample_set,  # noqa: ANN001
                                                        tmp_path: Path) -> None:
    stack.run("db", "upgrade")
    stack.run("users", "create", "desk", "--role", "scanner", "--token")
    stack.start_api()
    scanner = stack.user("viewer", "scanner")
    folder = tmp_path / "scans"
    folder.mkdir()
    with (folder / "a-big.pdf").open("wb") as big:  # a PDF header, then nothing: refused
        big.write(b"%PDF-1.7\n")
        big.truncate(BIG_BYTES)
    shutil.copy(sample_set.pages[0], folder / "b-page.png")
    shutil.copy(sample_set.batch_pdf, folder / "c-batch.pdf")
    shutil.copy(sample_set.pages[1], folder / "d-page.png")
    scans = ["a-big.pdf", "b-page.png", "c-batch.pdf", "d-page.png"]
    watch = ("watch", str(folder), "--user", "desk", "--settle", "0.3", "--interval", "0.1")

    # Killed while copying the big file into the store.
    stack.start("watch", *watch)
    wait_for(lambda: bool(_incoming(stack)), 60, "the watcher to start copying the big file",
             interval=0.005)
    stack.stop("watch", signal.SIGKILL)
    assert (folder / "a-big.pdf").exists()
    _check(folder, scans, scanner)

    # Killed as soon as a batch is committed (before or after its move, whichever comes).
    stack.start("watch", *watch)
    wait_for(lambda: bool(scanner.get("/api/batches").json()), 60, "a batch to be committed")
    stack.stop("watch", signal.SIGKILL)
    _check(folder, scans, scanner)

    # Started again, it takes what is left and stops.
    done = stack.run(*watch, "--once")
    assert "watching" in done.stdout  # what the kills left, if anything, it takes now
    _check(folder, scans, scanner)
    assert sorted(p.name for p in (folder / "done").iterdir()
                  if not p.name.endswith(".reason.txt")) == ["b-page.png", "c-batch.pdf",
                                                             "d-page.png"]
    assert "truncated" in (folder / "failed" / "a-big.pdf.reason.txt").read_text()
    assert [p.name for p in folder.iterdir() if p.is_file()] == []
