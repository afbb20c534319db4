"""Workers on other machines: an API and two workers whose homes share nothing but
PostgreSQL and Redis (and the service's secret key, given to each as configuration) read one
uploaded PDF together, the files kept in the database (`YOSHIN_BLOB_STORE=database`)."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from tests.conftest import ARTIFACTS
from tests.stack import Stack, postgres_database, redis_database, wait_for

MACHINES = ("api", "worker-a", "worker-b")


def _machine(root: Path, name: str, key: bytes, database: str, broker: str) -> Stack:
    home = root / name
    home.mkdir()
    key_file = home / "secret.key"
    key_file.write_bytes(key)
    key_file.chmod(0o600)
    logs = ARTIFACTS / "logs" / f"two-machines-{name}"
    logs.mkdir(parents=True, exist_ok=True)
    for old in logs.glob("*.log"):
        old.unlink()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    env |= {"YOSHIN_HOME": str(home), "YOSHIN_DATABASE_URL": database,
            "YOSHIN_BROKER_URL": broker, "YOSHIN_BLOB_STORE": "database",
            "YOSHIN_AUTO_COMMIT_READY": "false", "YOSHIN_PASSKEY_ROLES": "[]",
            "YOSHIN_TASK_RETRY_DELAY": "0.5"}
    return Stack(home=home, env=env, logs=logs)


def _done_by(stack: Stack, task: str) -> int:
    log = (stack.logs / "worker.log").read_text(errors="replace")
    return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", log))


def _files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def test_two_workers_with_separate_homes_read_one_batch(tmp_path: Path,
                                                        sample_set) -> None:  # noqa: ANN001
    key = secrets.token_bytes(32)
    with postgres_database() as database, redis_database() as broker:
        api, first, second = (_machine(tmp_path, name, key, database, broker)
                              for name in MACHINES)
        try:
            api.run("db", "upgrade")
            api.start_api()
            for worker in (first, second):
                worker.start_worker(concurrency=1)
            scanner = api.user("desk", "scanner")
            with sample_set.batch_pdf.open("rb") as handle:
                answer = scanner.post("/api/batches", files={
                    "files": ("batch.pdf", handle, "application/pdf")})
            assert answer.status_code == 201, answer.text
            batch_id = answer.json()["id"]

            def batch() -> dict:
                return scanner.get(f"/api/batches/{batch_id}").json()

            wait_for(lambda: batch()["read"] == 20, 600, "both workers to read the 20 pages")
            done = batch()
            assert set(done["counts"]) <= {"needs_review", "ready"}, done["counts"]
            # each machine split pages of the PDF and read pages: the work was shared
            for worker in (first, second):
                assert _done_by(worker, "yoshin.split_page") > 0, worker.home.name
                assert _done_by(worker, "yoshin.read_page") > 0, worker.home.name
            assert sum(_done_by(w, "yoshin.read_page") for w in (first, second)) >= 20

            # the upload, the page images and the registered pages live in the database: the
            # API's store holds nothing, and the page the workers read is shown from it
            assert _files_under(api.home / "store") == []
            for worker in (first, second):
                assert _files_under(worker.home / "store") == []
            page = done["pages"][0]["id"]
            image = scanner.get(f"/api/pages/{page}/image")
            assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"
        finally:
            for machine in (api, first, second):
                machine.stop_all()


def test_the_database_store_is_refused_on_the_embedded_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    env |= {"YOSHIN_HOME": str(tmp_path / "home"), "YOSHIN_BLOB_STORE": "database"}
    stack = Stack(home=tmp_path / "home", env=env, logs=tmp_path)
    failed = stack.run("db", "upgrade", check=False)
    assert failed.returncode == 2
    assert "YOSHIN_BLOB_STORE=database needs YOSHIN_DATABASE_URL" in failed.stdout
    assert "Traceback" not in failed.stdout + failed.stderr
    assert not (tmp_path / "home" / "yoshin.db").exists()
