"""Files kept in PostgreSQL (`YOSHIN_BLOB_STORE=database`): stored whole or not at all, once
however many store them at the same moment, read back a part at a time, copied to a machine
only while it needs a file, and an upload split and shown with nothing in the home's store.
"""

from __future__ import annotations

import io
import os
import stat
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image
from pydantic import ValidationError
from sqlalchemy import delete, event, func, select, update
from sqlalchemy.orm import Session

from intake.splitting import split_page
from models import BlobPart, Page, PageState, Role, blobs
from models.blob_parts import PART_BYTES
from models.db import get_engine, session_scope
from models.migrate import upgrade
from models.settings import Settings, get_settings
from models.storage import INCOMING_PREFIX
from tests.inprocess import client_as
from tests.stack import postgres_database
from yoshin.measure.harness import isolated_home


@pytest.fixture
def in_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("YOSHIN_BLOB_STORE", "database")
    home = tmp_path / "home"
    with postgres_database() as url, isolated_home(home, database_url=url):
        upgrade()
        yield home
        get_engine().dispose()


def _parts(sha256: str) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(BlobPart)
                              .where(BlobPart.sha256 == sha256)) or 0


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_a_file_is_stored_in_parts_read_back_and_removed(in_database: Path) -> None:
    data = os.urandom(2 * PART_BYTES + 12345)
    sha, created = blobs.put(data)
    assert created and _parts(sha) == 3
    assert blobs.put(data) == (sha, False) and _parts(sha) == 3
    assert blobs.read(sha) == data

    copy = blobs.local_path(sha)
    assert copy.read_bytes() == data
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
    assert _files_under(get_settings().store_dir) == []  # nothing kept in the home's store

    blobs.remove(sha)
    assert _parts(sha) == 0 and not copy.exists()
    with pytest.raises(FileNotFoundError):
        blobs.read(sha)
    assert not blobs.local_path(sha).exists()


def test_a_received_file_is_moved_into_the_database(in_database: Path) -> None:
    data = os.urandom(5 * PART_BYTES)
    received = in_database.parent / "received.pdf"
    received.write_bytes(data)
    sha, created = blobs.put_file(received)
    assert created and not received.exists() and _parts(sha) == 5
    again = in_database.parent / "again.pdf"
    again.write_bytes(data)
    assert blobs.put_file(again, sha) == (sha, False) and not again.exists()
    assert blobs.local_path(sha).read_bytes() == data


def test_the_same_file_stored_by_many_at_once_is_stored_once(in_database: Path) -> None:
    data = os.urandom(3 * PART_BYTES)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: blobs.put(data), range(8)))
    assert sum(created for _, created in results) == 1
    assert _parts(results[0][0]) == 3
    assert blobs.read(results[0][0]) == data


def test_copies_not_used_for_a_while_are_forgotten(in_database: Path) -> None:
    sha, _ = blobs.put(b"%PDF-1.4 a file some machine split an hour ago")
    copy = blobs.local_path(sha)
    fetching = copy.parent / f"{INCOMING_PREFIX}being-fetched"
    fetching.write_bytes(b"half")
    an_hour_ago = time.time() - get_settings().blob_cache_seconds - 1
    os.utime(copy, (an_hour_ago, an_hour_ago))
    os.utime(fetching, (an_hour_ago, an_hour_ago))
    assert blobs.sweep_copies() == 1
    assert not copy.exists() and fetching.exists()  # another process may still be fetching
    assert blobs.local_path(sha).exists()  # fetched again when needed
    assert blobs.read(sha).startswith(b"%PDF")


def test_an_empty_file_is_stored_like_any_other(in_database: Path) -> None:
    empty = in_database.parent / "empty"
    empty.write_bytes(b"")
    sha, created = blobs.put_file(empty)
    assert created and _parts(sha) == 1 and blobs.read(sha) == b""
    assert blobs.put(b"") == (sha, False)
    assert blobs.local_path(sha).read_bytes() == b""


def test_a_stored_file_that_no_longer_matches_its_hash_is_not_read(in_database: Path) -> None:
    sha, _ = blobs.put(os.urandom(2 * PART_BYTES))
    with get_engine().begin() as connection:
        connection.execute(update(BlobPart).where(BlobPart.sha256 == sha, BlobPart.part == 1)
                           .values(data=b"cut short"))
    with pytest.raises(blobs.StoredFileDamaged):
        blobs.read(sha)
    with pytest.raises(blobs.StoredFileDamaged):
        blobs.local_path(sha)
    assert _files_under(in_database / "blob-copies") == []


def test_a_copy_in_use_is_neither_swept_nor_forgotten(in_database: Path) -> None:
    sha, _ = blobs.put(b"%PDF-1.4 a file poppler is drawing a page of")
    an_hour_ago = time.time() - get_settings().blob_cache_seconds - 1
    with blobs.local_copy(sha) as copy:
        os.utime(copy, (an_hour_ago, an_hour_ago))
        assert blobs.sweep_copies() == 0
        blobs.forget_copy(sha)  # another page of the file split meanwhile
        blobs.remove(sha)  # even its retention ending
        assert copy.read_bytes().startswith(b"%PDF")
    blobs.forget_copy(sha)
    assert not copy.exists()


def test_a_file_removed_by_another_machine_is_not_served_from_a_copy(in_database: Path
                                                                      ) -> None:
    sha, _ = blobs.put(b"%PDF-1.4 a notice run's forms")
    copy = blobs.local_path(sha)
    with get_engine().begin() as connection:  # as the retention purge on another machine
        connection.execute(delete(BlobPart).where(BlobPart.sha256 == sha))
    assert not blobs.local_path(sha).exists() and not copy.exists()


def test_copies_are_kept_at_least_ten_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YOSHIN_BLOB_CACHE_SECONDS", "0")
    with pytest.raises(ValidationError, match="blob_cache_seconds"):
        Settings()


def _pdf(pages: int) -> bytes:
    frames = [Image.new("L", (1240, 1754), 255) for _ in range(pages)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="PDF", resolution=150, save_all=True,
                   append_images=frames[1:])
    return buffer.getvalue()


def test_an_upload_is_split_and_shown_from_the_database(in_database: Path) -> None:
    client = client_as(Role.SCANNER)
    answer = client.post("/api/batches", files={"files": ("three.pdf", _pdf(3),
                                                          "application/pdf")})
    assert answer.status_code == 201, answer.text
    page_ids = [page["id"] for page in answer.json()["pages"]]
    copies = in_database / "blob-copies"

    split_page(page_ids[0], queue=False)
    assert len(_files_under(copies)) == 1  # the PDF, kept while its pages wait
    for page_id in page_ids[1:]:
        split_page(page_id, queue=False)
    assert _files_under(copies) == []  # every page split: this machine's copy is dropped

    with session_scope() as session:
        pages = [session.get_one(Page, page_id) for page_id in page_ids]
        assert {page.state for page in pages} == {PageState.QUEUED}
        assert blobs.read(pages[0].image_sha256 or "").startswith(b"\x89PNG")
    shown = client.get(f"/api/pages/{page_ids[0]}/image")
    assert shown.status_code == 200 and shown.content[:2] == b"\xff\xd8"
    assert _files_under(get_settings().store_dir) == []


def test_the_copy_is_dropped_when_the_last_two_pages_are_split_at_once(
        in_database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes split a file's last two pages at the same moment, each committing after
    the other has moved its page on (held together inside their transactions): the one that
    counts last sees no page waiting and drops the copy."""
    import intake.splitting

    client = client_as(Role.SCANNER)
    answer = client.post("/api/batches", files={"files": ("two.pdf", _pdf(2),
                                                          "application/pdf")})
    page_ids = [page["id"] for page in answer.json()["pages"]]
    together, moving = threading.Barrier(2, timeout=30), threading.local()

    def moved_on(_session: Session, _ids: list[int]) -> None:
        moving.page = True

    def hold_the_commit(_session: Session) -> None:  # until both pages have moved on
        if getattr(moving, "page", False):
            moving.page = False
            together.wait()

    monkeypatch.setattr(intake.splitting, "read_after_commit", moved_on)
    event.listen(Session, "before_commit", hold_the_commit)
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(split_page, page_ids))
    finally:
        event.remove(Session, "before_commit", hold_the_commit)
    with session_scope() as session:
        assert {session.get_one(Page, i).state for i in page_ids} == {PageState.QUEUED}
    assert _files_under(in_database / "blob-copies") == []


def test_an_installation_moves_its_folder_into_the_database(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    from typer.testing import CliRunner

    from yoshin.cli import app

    with postgres_database() as url, isolated_home(tmp_path / "home", database_url=url):
        upgrade()
        kept, stored_twice, damaged = (os.urandom(PART_BYTES + n) for n in (1, 2, 3))
        shas = [blobs.put(data)[0] for data in (kept, stored_twice, damaged)]
        storage_path = get_settings().store_dir / shas[2][:2] / shas[2]
        storage_path.write_bytes(b"changed on disk")
        refused = CliRunner().invoke(app, ["blobs", "move-to-database"])
        assert refused.exit_code == 2 and "YOSHIN_BLOB_STORE=database" in refused.output

        monkeypatch.setenv("YOSHIN_BLOB_STORE", "database")
        get_settings.cache_clear()
        blobs.put(stored_twice)  # already in the database: the folder's copy just goes
        moved = CliRunner().invoke(app, ["blobs", "move-to-database"])
        assert moved.exit_code == 1, moved.output
        assert "1 files moved into the database, 1 were there already" in moved.output
        assert "1 files left" in moved.output and shas[2][:12] in moved.output
        assert blobs.read(shas[0]) == kept and blobs.read(shas[1]) == stored_twice
        assert _files_under(get_settings().store_dir) == [storage_path]

        again = CliRunner().invoke(app, ["blobs", "move-to-database"])
        assert "0 files moved into the database, 0 were there already" in again.output
        get_engine().dispose()


def test_a_bulk_query_is_answered_by_a_worker_on_another_machine(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The API keeps the peer's sealed numbers in the database; a worker whose home shares
    nothing with it but the database and the secret key answers them, and the API serves the
    results; neither home keeps a file, and the numbers are gone once answered."""
    from intake import bulk_files
    from ledger.transfers.peers import add_peer
    from ledger.transfers.service import answer_bulk
    from models import BulkQuery, Peer, User

    monkeypatch.setenv("YOSHIN_BLOB_STORE", "database")
    api, worker = tmp_path / "api", tmp_path / "worker"
    with postgres_database() as url:
        with isolated_home(api, database_url=url):
            upgrade()
            with session_scope() as session:
                add_peer(session, code="121002", url="http://127.0.0.1:9", actor="test")
                caller = session.scalars(select(Peer)).one().user_id
            with session_scope() as session:
                bulk = bulk_files.submit(session, caller=session.get_one(User, caller),
                                         requester_code="121002",
                                         numbers=io.BytesIO(b"my_number\n123456789018\n"))
                bulk_id, numbers = bulk.id, bulk.input_sha256 or ""
            get_engine().dispose()
        worker.mkdir()
        (worker / "secret.key").write_bytes((api / "secret.key").read_bytes())
        with isolated_home(worker, database_url=url):
            answer_bulk(bulk_id)
            get_engine().dispose()
        with isolated_home(api, database_url=url):
            with session_scope() as session:
                assert session.get_one(BulkQuery, bulk_id).state == "done"
                results = bulk_files.results_of(session, caller=session.get_one(User, caller),
                                                bulk_id=bulk_id)
                assert results.read_text().splitlines()[1:] == ["2,false,,,,"]
            assert _parts(numbers) == 0
            for home in (api, worker):
                assert _files_under(home / "store") == []
            get_engine().dispose()
