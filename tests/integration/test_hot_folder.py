"""The watched folder, in process: a settled scan becomes a batch and moves to done/, a bad
file to failed/ beside its reason, a file still growing or still being named waits, and a
scan already stored (the watcher killed between commit and move) only moves to done/."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from intake.hot_folder import HotFolder, Outcome
from models import Document, Page, Role, User
from models.db import session_scope
from tests.inprocess import make_user


def _desk() -> str:
    user_id, _ = make_user(Role.SCANNER)
    with session_scope() as session:
        return session.get_one(User, user_id).username


def _documents(name: str) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Document)
                              .where(Document.filename == name)) or 0


def test_settled_scans_are_taken_and_moved_after_the_commit(inprocess_db: Path, sample_set,  # noqa: ANN001
                                                            tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    hot = HotFolder(folder, _desk(), settle_seconds=2.0)
    scan = folder / "scan-0001.png"
    shutil.copy(sample_set.pages[5], scan)
    (folder / "memo.pdf").write_text("not a scan, whatever its name says")
    (folder / "scan-0002.pdf.part").write_bytes(b"%PDF-1.7 still being written")
    outcomes: list[Outcome] = []

    assert hot.poll(100.0, outcomes.append) == 0  # first seen: not yet settled
    with scan.open("ab") as growing:
        growing.write(b"")  # same size and time: still settling
    assert hot.poll(101.0, outcomes.append) == 0
    assert hot.poll(102.5, outcomes.append) == 2
    done = {outcome.name: outcome for outcome in outcomes}
    assert done["scan-0001.png"].moved_to == folder / "done" / "scan-0001.png"
    assert done["scan-0001.png"].batch_id is not None and not done["scan-0001.png"].reason
    with session_scope() as session:
        pages = session.scalars(select(Page).where(
            Page.batch_id == done["scan-0001.png"].batch_id)).all()
        assert [page.state for page in pages] == ["queued"]
    assert done["memo.pdf"].moved_to == folder / "failed" / "memo.pdf"
    reason = (folder / "failed" / "memo.pdf.reason.txt").read_text(encoding="utf-8")
    assert "not a PDF, TIFF, PNG or JPEG" in reason
    assert [path.name for path in hot.waiting()] == []  # .part is left for its writer
    assert (folder / "scan-0002.pdf.part").exists()

    again = folder / "scan-0001.png"  # the same scan dropped (or left by a kill) again
    shutil.copy(sample_set.pages[5], again)
    hot.poll(200.0, outcomes.append)
    hot.poll(203.0, outcomes.append)
    assert outcomes[-1].moved_to == folder / "done" / "scan-0001-1.png"
    assert outcomes[-1].batch_id == done["scan-0001.png"].batch_id
    assert "already uploaded" in outcomes[-1].reason
    assert _documents("scan-0001.png") == 1


def test_a_file_that_keeps_growing_is_not_taken(inprocess_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    hot = HotFolder(folder, _desk(), settle_seconds=1.0)
    growing = folder / "long-scan.pdf"
    taken: list[Outcome] = []
    for second in range(5):
        with growing.open("ab") as handle:
            handle.write(b"%PDF-1.7\n" if second == 0 else b"0" * 4096)
        assert hot.poll(float(second) * 2, taken.append) == 0
    assert growing.exists() and taken == []
