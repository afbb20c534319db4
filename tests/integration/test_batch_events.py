"""The batch screen's live progress: server-sent events that end once every page is read."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from intake.batches import create_batch, received
from models import Page, PageState, Role, User
from models.db import session_scope
from samples.sets import SETS_DIR
from tests.inprocess import client_as, make_user


def _events(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_progress_is_streamed_until_every_page_is_read(inprocess_db: Path) -> None:
    scan = sorted(p for p in (SETS_DIR / "mixed-30").glob("page-*") if p.suffix != ".json")[-1]
    user_id, _ = make_user(Role.SCANNER)
    with scan.open("rb") as file, received([(scan.name, file)]) as uploads, \
            session_scope() as session:
        user = session.get(User, user_id)
        batch = create_batch(session, user, uploads, queue=False)
        for page in batch.pages:
            page.move_to(PageState.FAILED, "not read in this test")
        batch_id = batch.id
    viewer = client_as(Role.REVIEWER)
    with viewer.stream("GET", f"/api/batches/{batch_id}/events") as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        events = _events(answer.read().decode())
    assert [name for name, _ in events] == ["progress", "done"]
    assert events[0][1]["read"] == events[0][1]["total"] == 1
    with session_scope() as session:
        assert session.scalar(select(Page.state).where(Page.batch_id == batch_id)) == "failed"
    assert viewer.get("/api/batches/999999/events").status_code == 404
    assert client_as(Role.CLINIC).get(f"/api/batches/{batch_id}/events").status_code == 403
