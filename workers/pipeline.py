"""Everything a worker does for one page, without Celery, so `yoshin eval` measures exactly
the code that runs in production: load the stored image, read it, store the result."""

from __future__ import annotations

import io
import logging
import os
from functools import lru_cache
from pathlib import Path
from time import perf_counter

import cv2
import numpy as np
from PIL import Image

from models import blobs
from models.settings import get_settings
from ocr import FormSpec, PageReading, RegistrationError, load_forms, read_page
from ocr.page import MOST_READ_THREADS, READ_WORKERS
from workers import reading

log = logging.getLogger(__name__)

_read_threads = READ_WORKERS
GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "F"})


def share_cores(processes: int) -> None:
    """Give each of a worker's `processes` children its share of the cores to read a page's
    fields with, rather than a thread per core each: four threads on two cores spend the
    difference switching and waiting for the interpreter. Two children reading 30 office
    pages side by side took 0.72 s a page each with two threads, 0.65 s with one. Called
    before the pool forks, so every child inherits it."""
    global _read_threads  # noqa: PLW0603 - set once in the parent, read by its children
    _read_threads = max(1, min(MOST_READ_THREADS, len(os.sched_getaffinity(0)) // processes))


class PageImageError(Exception):
    pass


class RetryLater(Exception):
    """This attempt failed in a way another attempt may not; the page is queued again."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


@lru_cache
def forms(directory: Path) -> dict[str, FormSpec]:
    return load_forms(directory)


def load_image(sha256: str) -> tuple[np.ndarray, bytes]:
    """The page in gray, as the reader reads it, and the stored bytes it was decoded from."""
    try:
        data = blobs.read(sha256)
    except FileNotFoundError as missing:
        raise PageImageError("the stored page image is missing") from missing
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise PageImageError("the stored page image cannot be decoded")
    return image, data


def shown_page(scan: bytes, reading: PageReading) -> np.ndarray:
    """The registered page as the screens show it: a colour scan straightened in colour (a
    red seal, blue ink and a coloured form's print are told apart by a person as they are on
    paper), a gray scan as the reader's own registered page."""
    if reading.homography is None or not _in_colour(scan):
        return reading.registered
    colour = cv2.imdecode(np.frombuffer(scan, np.uint8), cv2.IMREAD_COLOR)
    if colour is None:
        return reading.registered
    height, width = reading.registered.shape[:2]
    return cv2.warpPerspective(colour, reading.homography, (width, height),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                               borderValue=(255, 255, 255))


def _in_colour(scan: bytes) -> bool:
    """Whether the stored image holds colours, from its header alone (splitting stores a page
    without colour in gray)."""
    try:
        with Image.open(io.BytesIO(scan)) as header:
            return header.mode not in GRAY_MODES
    except (OSError, ValueError):  # OpenCV decoded what PIL does not know: shown as read
        return False


def read_stored_page(page_id: int) -> None:
    """Read one queued page; raises RetryLater when a retry should follow."""
    settings = get_settings()
    claimed = reading.claim(page_id)
    if claimed is None:
        return
    started = perf_counter()
    try:
        image, scan = load_image(claimed.image_sha256)
        decoded = perf_counter()
        result = read_page(image, forms(settings.forms_dir), threads=_read_threads)
        read = perf_counter()
        shown = shown_page(scan, result)
    except RegistrationError as error:
        reading.fail(page_id, f"not read: {error}")
        return
    except Exception as error:
        log.warning("page %d attempt %d failed: %s", page_id, claimed.attempt, error)
        if claimed.attempt >= settings.task_max_attempts:
            reading.fail(page_id, f"reading failed after {claimed.attempt} attempts: {error}")
            return
        reading.requeue(page_id, f"attempt {claimed.attempt} failed ({error}); retrying")
        raise RetryLater(error) from error
    spec = forms(settings.forms_dir)[result.form_id]
    reading.store(page_id, result, {"decode": decoded - started, **result.timings,
                                    "colour": perf_counter() - read},
                  spec.after_commit, spec.vaccines, shown=shown)
