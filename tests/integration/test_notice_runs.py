"""Notice runs over the API on PostgreSQL (issue 17): a supervisor creates a run (202, its
rendering queued only after the commit), a worker's task draws the PDF and the mailing CSV
into the blob store, and the files are downloaded (audited); the task is idempotent, a
duplicate delivery takes the run over without storing anything twice, and a failure says
why. Reviewers and scanners are refused; bad input is refused with a message and writes
nothing."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from models import AuditEvent, NoticeRun, NoticeSerial, Resident, Role
from models.db import session_scope
from models.migrate import upgrade
from models.settings import get_settings
from tests.conftest import _empty_database
from tests.inprocess import make_user
from tests.stack import postgres_database
from yoshin.measure.harness import isolated_home

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A PostgreSQL database of this module's own, migrated once."""
    with postgres_database() as url, isolated_home(tmp_path_factory.mktemp("notices"), url):
        upgrade()
        yield


class Broker:
    """Stands in for Celery: records what is sent, and whether the run it names was already
    committed when it was sent (read from a session of its own)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[Any, ...], bool]] = []
        self.down = False

    def send_task(self, name: str, args: tuple[Any, ...]) -> None:
        if self.down:
            raise ConnectionError("broker unreachable")
        with session_scope() as session:
            committed = session.get(NoticeRun, args[0]) is not None
        self.sent.append((name, tuple(args), committed))


@pytest.fixture
def broker(database: None, monkeypatch: pytest.MonkeyPatch) -> Broker:
    from workers import dispatch

    _empty_database()
    fake = Broker()
    monkeypatch.setattr(dispatch, "sending_app", lambda: fake)
    return fake


def _client(role: Role) -> tuple[str, TestClient]:
    from yoshin.app import create_app

    user_id, token = make_user(role)
    with session_scope() as session:
        from models import User

        name = session.get_one(User, user_id).username
    return name, TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})


def _child(birth: date, name: str) -> int:
    """MR 1期 becomes due on the day the child is 12 months old."""
    with session_scope() as session:
        child = Resident(atena_number=f"R{birth:%Y%m%d}{secrets.token_hex(3)}", name=name,
                         name_kana="ツウチ ハナコ", birth_date=birth, sex="F",
                         address="千葉県松戸市根本387番地の5")
        session.add(child)
        session.flush()
        return child.id


def _render(run_id: int) -> None:
    """What a worker does with the message: the task itself, in this process."""
    from workers.tasks import render_notices

    render_notices(run_id)


def _stored() -> set[Path]:
    store = get_settings().store_dir
    return {p for p in store.rglob("*") if p.is_file()} if store.exists() else set()


def _run_row(run_id: int) -> NoticeRun:
    with session_scope() as session:
        run = session.get_one(NoticeRun, run_id)
        session.expunge(run)
        return run


def test_a_supervisor_runs_a_mailing_and_downloads_its_files(broker: Broker) -> None:
    first = _child(date(2025, 12, 10), "通知 一子")
    second = _child(date(2025, 12, 31), "通知 二子")
    _child(date(2025, 6, 1), "通知 対象外")  # due since June: not new in December
    me, client = _client(Role.SUPERVISOR)
    answer = client.post("/api/notice-runs",
                         json={"programme": "mr", "month": "2026-12", "reminders": False})
    assert answer.status_code == 202, answer.text
    run = answer.json()
    assert (run["programme"], run["month"], run["people"], run["state"], run["pdf_url"]) \
        == ("mr", "2026-12", 2, "queued", None)
    # queued once, after the run was committed
    assert broker.sent == [("yoshin.render_notices", (run["id"],), True)]
    assert client.get(f"/api/notice-runs/{run['id']}/pdf").status_code == 409

    _render(run["id"])
    done = client.get(f"/api/notice-runs/{run['id']}").json()
    assert (done["state"], done["progress"], done["reason"]) == ("done", 2, "")
    assert done["pdf_url"] == f"/api/notice-runs/{run['id']}/pdf"

    pdf = client.get(done["pdf_url"])
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 2 * done["people"]
    assert "通知 一子 様" in reader.pages[0].extract_text()
    assert "通知 二子" in reader.pages[3].extract_text()

    mailing = client.get(done["csv_url"])
    assert mailing.status_code == 200
    assert mailing.headers["content-type"].startswith("text/csv")
    assert mailing.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(mailing.content.decode("utf-8-sig"))))
    with session_scope() as session:
        serials = {s.resident_id: s.serial for s in session.scalars(select(NoticeSerial))}
    assert [(r["pages"], r["serial"]) for r in rows] == [("1-2", serials[first]),
                                                         ("3-4", serials[second])]
    assert [r["id"] for r in client.get("/api/notice-runs").json()] == [run["id"]]
    with session_scope() as session:
        events = [(e.action, e.actor, e.subject, e.detail) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("notices.%"))
            .order_by(AuditEvent.id))]
    subject = f"notice_run:{run['id']}"
    assert [e[:3] for e in events] == [("notices.run", me, subject),
                                       ("notices.download", me, subject),
                                       ("notices.download", me, subject)]
    assert [e[3]["file"] for e in events[1:]] == ["pdf", "csv"]


def test_rendering_again_changes_nothing_and_a_duplicate_takes_over(
        broker: Broker) -> None:
    from notices.files import render_run

    _child(date(2025, 12, 10), "重複 一子")
    _child(date(2025, 12, 20), "重複 二子")
    _, client = _client(Role.ADMIN)
    run_id = client.post("/api/notice-runs", json={"programme": "mr",
                                                   "month": "2026-12"}).json()["id"]
    before = _stored()
    duplicate: list[str] = []

    def delivered_again(done: int) -> None:
        """While the first delivery is between its chunks, a second one arrives."""
        if not duplicate:
            duplicate.append(render_run(run_id, chunk=1))

    assert render_run(run_id, chunk=1, progress=delivered_again) == "done"
    assert duplicate == ["done"]
    made = _stored() - before
    run = _run_row(run_id)
    assert (run.state, run.attempts, run.progress) == ("done", 2, 2)
    assert {p.name for p in made} == {run.pdf_sha256, run.csv_sha256}  # no temporary left

    _render(run_id)  # a retry after done: not drawn again
    again = _run_row(run_id)
    assert (again.state, again.attempts, again.pdf_sha256, again.csv_sha256, again.finished_at) \
        == (run.state, run.attempts, run.pdf_sha256, run.csv_sha256, run.finished_at)
    assert _stored() - before == made

    # a worker lost after storing the files, before saying so: drawn again (in the same
    # chunks), the same bytes
    with session_scope() as session:
        session.get_one(NoticeRun, run_id).state = "rendering"
    assert render_run(run_id, chunk=1) == "done"
    redrawn = _run_row(run_id)
    assert (redrawn.state, redrawn.attempts, redrawn.pdf_sha256, redrawn.csv_sha256) \
        == ("done", 3, run.pdf_sha256, run.csv_sha256)
    assert _stored() - before == made


def test_a_run_that_cannot_be_drawn_fails_with_a_reason(
        broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    import notices.files

    def full_disk(*_: object, **__: object) -> int:
        raise OSError(28, "No space left on device")

    _child(date(2025, 12, 10), "失敗 一子")
    _, client = _client(Role.SUPERVISOR)
    run_id = client.post("/api/notice-runs", json={"programme": "mr",
                                                   "month": "2026-12"}).json()["id"]
    before = _stored()
    writes = notices.files.write
    monkeypatch.setattr(notices.files, "write", full_disk)
    _render(run_id)
    run = client.get(f"/api/notice-runs/{run_id}").json()
    assert run["state"] == "failed"
    assert run["reason"] == ("描画できませんでした (rendering failed): "
                             "OSError: No space left on device")
    assert client.get(f"/api/notice-runs/{run_id}/pdf").status_code == 409
    assert _stored() == before
    _render(run_id)  # a failed run is not retried by a second delivery
    assert _run_row(run_id).attempts == 1

    # the disk freed, a supervisor runs it again: queued after the commit, drawn, audited
    monkeypatch.setattr(notices.files, "write", writes)
    sent = len(broker.sent)
    answer = client.post(f"/api/notice-runs/{run_id}/retry")
    assert answer.status_code == 202, answer.text
    assert (answer.json()["state"], answer.json()["reason"]) == ("queued", "")
    assert broker.sent[sent:] == [("yoshin.render_notices", (run_id,), True)]
    _render(run_id)
    assert client.get(f"/api/notice-runs/{run_id}").json()["state"] == "done"
    assert client.get(f"/api/notice-runs/{run_id}/pdf").status_code == 200
    refused = client.post(f"/api/notice-runs/{run_id}/retry")
    assert refused.status_code == 409 and "not failed" in refused.text
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "notices.retry",
            AuditEvent.subject == f"notice_run:{run_id}")) == 1


def test_a_failed_run_whose_people_were_printed_again_is_not_retried(
        broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its serials were withdrawn by the reprint: forms carrying them would be refused."""
    import notices.files

    _child(date(2025, 12, 10), "再発 一子")
    _, client = _client(Role.SUPERVISOR)
    first = client.post("/api/notice-runs", json={"programme": "mr",
                                                  "month": "2026-12"}).json()["id"]
    monkeypatch.setattr(notices.files, "write", lambda *_, **__: 1 / 0)
    _render(first)
    assert _run_row(first).state == "failed"
    client.post("/api/notice-runs", json={"programme": "mr", "month": "2026-12"})
    refused = client.post(f"/api/notice-runs/{first}/retry")
    assert refused.status_code == 409 and "printed again since" in refused.text
    assert _run_row(first).state == "failed"


def test_a_broker_that_cannot_be_reached_fails_the_run(broker: Broker) -> None:
    broker.down = True
    _child(date(2025, 12, 10), "待機 一子")
    _, client = _client(Role.SUPERVISOR)
    answer = client.post("/api/notice-runs", json={"programme": "mr", "month": "2026-12"})
    assert answer.status_code == 202
    run = client.get(f"/api/notice-runs/{answer.json()['id']}").json()
    assert run["state"] == "failed" and run["reason"].startswith("could not be queued")


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.SCANNER, Role.CLINIC])
def test_other_roles_are_refused_every_notice_route(broker: Broker, role: Role) -> None:
    _child(date(2025, 12, 10), "拒否 一子")
    _, supervisor = _client(Role.SUPERVISOR)
    run_id = supervisor.post("/api/notice-runs", json={"programme": "mr",
                                                       "month": "2026-12"}).json()["id"]
    _render(run_id)
    _, client = _client(role)
    for method, url in (("POST", "/api/notice-runs"), ("GET", "/api/notice-runs"),
                        ("GET", "/api/notice-runs/programmes"),
                        ("GET", f"/api/notice-runs/{run_id}"),
                        ("GET", f"/api/notice-runs/{run_id}/pdf"),
                        ("GET", f"/api/notice-runs/{run_id}/csv"),
                        ("POST", f"/api/notice-runs/{run_id}/retry")):
        answer = client.request(method, url, json={"programme": "mr", "month": "2026-12"})
        assert answer.status_code == 403, (method, url, answer.status_code)
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(NoticeRun)) == 1
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "notices.download")) == 0


@pytest.mark.parametrize(("body", "said"), [
    ({"programme": "smallpox", "month": "2026-12"}, "予防接種の種類が見つかりません"),
    ({"programme": "smallpox", "month": "2026-12"}, "unknown programme 'smallpox'"),
    ({"programme": "bcg", "month": "2026-12"}, "no printed form offers a product of bcg"),
    ({"programme": "mr", "month": "2026-13"}, "month must be YYYY-MM"),
    ({"programme": "mr", "month": "2026-1"}, "YYYY-MM の形で"),
    ({"programme": "mr", "month": "December"}, "month must be YYYY-MM"),
])
def test_bad_input_is_refused_with_a_message_and_writes_nothing(
        broker: Broker, body: dict[str, str], said: str) -> None:
    _child(date(2025, 12, 10), "誤入力 一子")
    _, client = _client(Role.SUPERVISOR)
    answer = client.post("/api/notice-runs", json=body)
    assert answer.status_code == 422 and said in answer.json()["detail"], answer.text
    assert broker.sent == []
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(NoticeRun)) == 0
        assert session.scalar(select(func.count()).select_from(NoticeSerial)) == 0


def test_an_unknown_run_is_404_and_the_programmes_offered_have_forms(broker: Broker) -> None:
    _, client = _client(Role.SUPERVISOR)
    assert client.get("/api/notice-runs/999999").status_code == 404
    assert client.get("/api/notice-runs/999999/pdf").status_code == 404
    offered = {p["id"]: p["form_id"] for p in
               client.get("/api/notice-runs/programmes").json()}
    assert offered["mr"] == "child" and "bcg" not in offered
