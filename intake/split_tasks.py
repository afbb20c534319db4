"""The Celery task that splits a page in the queue (intake.splitting); registered with the
worker through the app's `include`, sent by name from `workers.dispatch`."""

from __future__ import annotations

from intake.splitting import split_page as split
from workers.celery_app import celery_app


@celery_app.task(name="yoshin.split_page")
def split_page(page_id: int) -> None:
    """Render one page of an uploaded file and queue it for reading; a page already split
    is left as it is."""
    split(page_id)
