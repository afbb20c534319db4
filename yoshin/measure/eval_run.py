"""`yoshin eval DIR`: the production pipeline, run page by page on a generated set inside a
throw-away installation, with what the city knows (register, tickets, lots) loaded from DIR."""

from __future__ import annotations

import tempfile
from pathlib import Path
from time import perf_counter

from rich.console import Console
from rich.progress import Progress

from ledger.checks.doubt import doubtful_keys, holding_keys
from ledger.kit.text import normalise
from models import FieldSource, Page, PageState, Resident, Role
from models.db import session_scope
from models.migrate import upgrade
from models.settings import get_settings
from samples.generate import load_truth
from workers.pipeline import RetryLater, forms, read_stored_page
from yoshin.city import ensure_user, load_city
from yoshin.measure.eval_metrics import FieldOutcome, PageOutcome
from yoshin.measure.harness import isolated_home, store_pages


def _outcome(page_id: int, name: str, truth: dict, seconds: float) -> PageOutcome:
    settings = get_settings()
    specs = forms(settings.forms_dir)
    types = {f.key: f.type for spec in specs.values() for f in spec.fields}
    with session_scope() as session:
        page = session.get_one(Page, page_id)
        current = page.current_fields()
        doubtful = set(doubtful_keys(current, settings.review_confidence))
        read = {f.key: f for f in page.fields if f.source == FieldSource.OCR}
        fields = [
            FieldOutcome(key, types.get(key, "derived"), str(expected),
                         current[key].value if key in current else "",
                         key in current and key not in doubtful,
                         read[key].value if key in read else None,
                         read[key].confidence if key in read else None)
            for key, expected in truth["fields"].items()
        ]
        filed = page.state == PageState.REJECTED  # no person acts here: the reader filed it
        ready = filed or page.state in (PageState.READY, PageState.CONFIRMED)
        later = specs[page.form_id].after_commit if page.form_id in specs else ()
        held_by = () if ready else tuple(holding_keys(current, settings.review_confidence, later))
        resident = session.get(Resident, page.resident_id) if page.resident_id else None
        right = None if resident is None else (
            normalise(resident.name) == normalise(truth["fields"].get("name", ""))
            and resident.birth_date.isoformat() == truth["fields"].get("birth_date"))
        failure = page.state_reason if page.state == PageState.FAILED else ""
        follow_up = tuple(page.follow_up or ()) if ready else ()
    return PageOutcome(name, fields, not ready, seconds, right, failure or "", follow_up,
                       personal=bool(truth.get("serial")), held_by=held_by, filed=filed)


def _read(page_id: int) -> None:
    """Read the page as the worker does, retrying a failed attempt at once: the pipeline
    requeues the page and fails it for good after its last attempt (settings'
    task_max_attempts), so one passing fault (a reading thread's, seen once in 600 pages)
    does not end a long run."""
    while True:
        try:
            read_stored_page(page_id)
            return
        except RetryLater:
            continue


def evaluate(directory: Path, console: Console) -> list[PageOutcome]:
    truths = load_truth(directory)
    if not truths:
        raise SystemExit(f"no pages with truth JSON in {directory}")
    outcomes: list[PageOutcome] = []
    with tempfile.TemporaryDirectory(prefix="yoshin-eval-") as home, isolated_home(Path(home)):
        upgrade()
        missing = load_city(directory, actor="eval")
        if missing:
            console.print(f"[yellow]not in {directory}: {', '.join(missing)}. The pages are "
                          "read without them, so no person, ticket, lot or clinic they name "
                          "can be confirmed and far more pages need a person.[/yellow]")
        ensure_user("eval", Role.SCANNER)
        with Progress(console=console) as progress:
            task = progress.add_task("reading", total=len(truths))
            stored = (page_id for part in store_pages([p for p, _ in truths], username="eval",
                                                       queue=False) for page_id in part)
            for page_id, (path, truth) in zip(stored, truths, strict=True):
                started = perf_counter()
                _read(page_id)
                outcomes.append(_outcome(page_id, path.name, truth, perf_counter() - started))
                progress.advance(task)
    return outcomes
