"""A page whose reading keeps failing is retried, then ends `failed` with a reason a person
can read through the API; it is never silently lost, and a retry can bring it back."""

from __future__ import annotations

import shutil

from tests.stack import Stack, wait_for


def test_failing_page_is_retried_then_failed_with_reason(stack: Stack, sample_set) -> None:  # noqa: ANN001
    stack.run("db", "upgrade")
    stack.start_api()
    scanner = stack.user("scanner1", "scanner")
    files = [("files", (p.name, p.read_bytes(), "image/png")) for p in sample_set.pages[:2]]
    answer = scanner.post("/api/batches", files=files)
    assert answer.status_code == 201, answer.text
    broken, healthy = (p["id"] for p in answer.json()["pages"])

    # The stored image of one page goes missing before any worker sees it.
    image_sha = _stored_sha(stack, broken)
    blob = stack.home / "store" / image_sha[:2] / image_sha
    kept = stack.home / "kept.png"
    shutil.move(blob, kept)

    stack.start_worker(concurrency=1)
    batch_id = answer.json()["id"]

    def settled() -> bool:
        counts = scanner.get(f"/api/batches/{batch_id}").json()["counts"]
        return counts.get("failed") == 1 and sum(counts.values()) == counts.get("failed", 0) + \
            counts.get("needs_review", 0) + counts.get("ready", 0)

    wait_for(settled, 300, "the broken page to fail and the other to be read")
    page = next(p for p in scanner.get(f"/api/batches/{batch_id}").json()["pages"]
                if p["id"] == broken)
    assert page["state"] == "failed"
    assert page["attempts"] == 3
    assert "after 3 attempts" in page["reason"] and "missing" in page["reason"]
    other = next(p for p in scanner.get(f"/api/batches/{batch_id}").json()["pages"]
                 if p["id"] == healthy)
    assert other["state"] in {"needs_review", "ready"}

    # Once the file is back, a retry reads the page.
    shutil.move(kept, blob)
    assert scanner.post(f"/api/pages/{broken}/retry").status_code == 200
    wait_for(lambda: scanner.get(f"/api/batches/{batch_id}").json()["counts"].get("failed", 0)
             == 0 and scanner.get(f"/api/batches/{batch_id}").json()["read"] == 2, 120,
             "the retried page to be read")
    assert scanner.post(f"/api/pages/{healthy}/retry").status_code == 409


def _stored_sha(stack: Stack, page_id: int) -> str:
    from sqlalchemy import create_engine, text

    url = stack.env.get("YOSHIN_DATABASE_URL") or f"sqlite:///{stack.home / 'yoshin.db'}"
    engine = create_engine(url)
    with engine.connect() as connection:
        sha = connection.execute(text("SELECT image_sha256 FROM pages WHERE id = :id"),
                                 {"id": page_id}).scalar_one()
    engine.dispose()
    return sha
