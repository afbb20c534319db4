"""Celery tasks: thin wrappers that receive ids and leave the work to `workers.pipeline`.
Late acknowledgement means a worker lost mid-page gives the page to another worker; the
attempt count on the page ends a page that keeps killing workers."""

from __future__ import annotations

from typing import Any

from celery.signals import worker_process_init

from ledger.schedule.master_store import load_into_process
from models.db import session_scope
from models.settings import get_settings
from notices.files import render_run
from workers.celery_app import celery_app
from workers.pipeline import RetryLater, read_stored_page
from workers.reconcile import reconcile as reconcile_stopped
from workers.retention import purge_expired as purge


@worker_process_init.connect
def _read_the_vaccine_master(**_: Any) -> None:
    """Each worker process judges doses with the master as the city holds it (the products
    an administrator added included), read once when the process starts."""
    with session_scope() as session:
        load_into_process(session)


@celery_app.task(bind=True, name="yoshin.read_page", max_retries=None)
def read_page(self, page_id: int) -> None:  # noqa: ANN001 - Celery's bound task
    try:
        read_stored_page(page_id)
    except RetryLater as later:
        raise self.retry(countdown=get_settings().task_retry_delay, exc=later.error) from later


@celery_app.task(name="yoshin.answer_bulk")
def answer_bulk(bulk_id: int) -> None:
    """A peer's bulk transfer query; rerunning it after a lost worker starts it over."""
    from ledger.transfers.service import answer_bulk as answer

    answer(bulk_id)


@celery_app.task(name="yoshin.render_notices")
def render_notices(run_id: int) -> None:
    """A notice run's PDF and mailing list into the blob store; a run already done is left
    as it is, and a second delivery takes the run over from the first (notices.files)."""
    render_run(run_id)


@celery_app.task(name="yoshin.reconcile")
def reconcile() -> None:
    """Requeue pages that stopped moving (run every minute by beat)."""
    reconcile_stopped()


@celery_app.task(name="yoshin.purge_expired")
def purge_expired() -> None:
    """Delete what has outlived its retention period (run daily by beat)."""
    purge()


@celery_app.task(name="yoshin.audit_checkpoint")
def audit_checkpoint() -> None:
    """Anchor the audit chain's head outside the database (run by beat every
    `audit_checkpoint_every_seconds`), so entries cut from the log are noticed."""
    from models.audit import write_checkpoint
    from models.db import session_scope

    with session_scope() as session:
        write_checkpoint(session)
