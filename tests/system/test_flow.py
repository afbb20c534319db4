"""The whole flow on real components: a 20-page batch is uploaded to `yoshin serve`, read by
a real Celery worker, confirmed page by page through the review API, and found in the
ledger — on PostgreSQL and Redis, and on the embedded default."""

from __future__ import annotations

import json
import time

import httpx

from ledger.checks.validation import validate
from tests.stack import Stack, wait_for


def _truths(sample_set) -> list[dict[str, str]]:  # noqa: ANN001
    return [json.loads(p.with_suffix(".json").read_text())["fields"] for p in sample_set.pages]


def _batch(client: httpx.Client, batch_id: int) -> dict:
    answer = client.get(f"/api/batches/{batch_id}")
    answer.raise_for_status()
    return answer.json()


def _review(reviewer: httpx.Client, supervisor: httpx.Client, page: dict,
            truth: dict[str, str]) -> int | None:
    """Do what a careful reviewer does: fix what differs from the paper, pick the resident,
    then confirm (or reject a form that cannot become a record). Returns the resident id."""
    corrections = {f["key"]: truth[f["key"]] for f in page["fields"]
                   if f["value"] != truth[f["key"]]}
    if corrections:
        answer = reviewer.patch(f"/api/pages/{page['id']}/fields", json={"values": corrections})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        assert all(f["value"] == truth[f["key"]] for f in page["fields"])
    if validate(truth):
        answer = reviewer.post(f"/api/pages/{page['id']}/reject",
                               json={"reason": "医師が見合わせと判断"})
        assert answer.status_code == 200, answer.text
        return None
    candidates = reviewer.get(f"/api/pages/{page['id']}/candidates").json()
    chosen = [c for c in candidates if not c["differs"] and "ticket_number" in c["agrees"]]
    assert len(chosen) == 1, candidates
    answer = reviewer.put(f"/api/pages/{page['id']}/resident",
                          json={"resident_id": chosen[0]["resident_id"]})
    assert answer.status_code == 200, answer.text
    answer = reviewer.post(f"/api/pages/{page['id']}/confirm")
    assert answer.status_code == 200, answer.text
    confirmation = answer.json()
    identifying = {"ticket_number", "name", "birth_date", "vaccination_date", "lot_number"}
    rematched = {"resident"} if page["resident_id"] != chosen[0]["resident_id"] else set()
    assert set(confirmation["changed"]) == identifying & set(corrections) | rematched
    if confirmation["state"] == "second_check":
        assert reviewer.post(f"/api/pages/{page['id']}/approve").status_code == 403
        answer = supervisor.post(f"/api/pages/{page['id']}/approve")
        assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "confirmed" and answer.json()["record_id"]
    return answer.json()["resident_id"]


def test_batch_flows_from_upload_to_ledger(stack: Stack, sample_set) -> None:  # noqa: ANN001
    stack.run("db", "upgrade")
    stack.run("residents", "import", str(sample_set.residents_csv))
    stack.run("tickets", "import", str(sample_set.tickets_csv))
    stack.run("lots", "import", str(sample_set.lots_csv))
    stack.run("clinics", "import", str(sample_set.clinics_csv))
    stack.start_api()
    stack.start_worker(concurrency=2)
    scanner = stack.user("scanner1", "scanner")
    reviewer = stack.user("reviewer1", "reviewer")
    supervisor = stack.user("supervisor1", "supervisor")
    truths = _truths(sample_set)

    with sample_set.batch_pdf.open("rb") as handle:
        answer = scanner.post("/api/batches", files={"files": ("batch.pdf", handle,
                                                               "application/pdf")})
    assert answer.status_code == 201, answer.text
    batch = answer.json()
    assert batch["total"] == 20
    # answered once stored: the pages are split from the PDF by the worker, then read
    assert {p["state"] for p in batch["pages"]} == {"received"} and batch["split"] == 0

    started = time.monotonic()
    wait_for(lambda: _batch(scanner, batch["id"])["read"] == 20, 600, "all 20 pages read")
    assert _batch(scanner, batch["id"])["split"] == 20
    print(f"20 pages read in {time.monotonic() - started:.1f}s")
    batch = _batch(scanner, batch["id"])
    assert set(batch["counts"]) <= {"needs_review", "ready"}, batch["counts"]

    confirmed: dict[int, dict[str, str]] = {}
    for _ in range(20):
        answer = reviewer.get("/api/review/next")
        assert answer.status_code == 200, answer.text
        page = answer.json()
        sequence = next(p["sequence"] for p in batch["pages"] if p["id"] == page["id"])
        truth = truths[sequence - 1]
        resident_id = _review(reviewer, supervisor, page, truth)
        if resident_id is not None:
            confirmed[resident_id] = truth
    assert reviewer.get("/api/review/next").status_code == 204

    batch = _batch(scanner, batch["id"])
    rejected = sum(1 for t in truths if validate(t))
    assert batch["counts"] == {"confirmed": 20 - rejected, **({"rejected": rejected}
                                                               if rejected else {})}
    assert len(confirmed) == 20 - rejected > 15
    for resident_id, truth in confirmed.items():
        resident = reviewer.get(f"/api/residents/{resident_id}").json()
        assert resident["name"].replace(" ", "") == truth["name"].replace(" ", "")
        assert [(r["vaccine"], str(r["dose_number"]), r["vaccinated_on"], r["lot_number"])
                for r in resident["records"]] == [
            (truth["vaccine"], truth["dose_number"], truth["vaccination_date"],
             truth["lot_number"])
        ]
        assert all(r["source"] == "scan" and r["page_id"] for r in resident["records"])
    assert ", 0 problems" in stack.run("audit", "verify").stdout
