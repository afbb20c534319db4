"""Celery tasks: thin wrappers that receive ids, reload rows, and leave the work to
`workers.reading`. Late acknowledgement means a worker lost mid-page gives the page to
another worker; the attempt count on the page ends a page that keeps killing workers."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from models.settings import get_settings
from ocr import FormSpec, RegistrationError, load_forms
from ocr import read_page as read_image
from workers import reading
from workers.celery_app import celery_app

log = logging.getLogger(__name__)


class PageImageError(Exception):
    pass


@lru_cache
def _forms(directory: Path) -> dict[str, FormSpec]:
    return load_forms(directory)


def _load(path: Path) -> np.ndarray:
    if not path.exists():
        raise PageImageError("the stored page image is missing")
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise PageImageError("the stored page image cannot be decoded")
    return image


@celery_app.task(bind=True, name="yoshin.read_page", max_retries=None)
def read_page(self, page_id: int) -> None:  # noqa: ANN001 - Celery's bound task
    settings = get_settings()
    claimed = reading.claim(page_id)
    if claimed is None:
        return
    try:
        result = read_image(_load(claimed.image), _forms(settings.forms_dir))
    except RegistrationError as error:
        reading.fail(page_id, f"not read: {error}")
        return
    except Exception as error:
        log.warning("page %d attempt %d failed: %s", page_id, claimed.attempt, error)
        if claimed.attempt >= settings.task_max_attempts:
            reading.fail(page_id, f"reading failed after {claimed.attempt} attempts: {error}")
            return
        reading.requeue(page_id, f"attempt {claimed.attempt} failed ({error}); retrying")
        raise self.retry(countdown=settings.task_retry_delay, exc=error) from error
    reading.store(page_id, result)
