"""What a worker does with a page, apart from Celery: claim it, store what the reader saw,
and hand it to `ledger.checks.routing.decide`, which sends it to a person or to the ledger.

Each step runs in its own short transaction and first checks the page's state, so a retried
or twice-delivered task never stores a page twice or moves it backwards.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from time import perf_counter

import cv2
import numpy as np
from sqlalchemy.orm import Session

from ledger.checks.routing import decide
from ledger.checks.serials import SERIAL_KEY
from ledger.kit.addresses import shaped_address
from ledger.kit.text import normalise
from models import FieldSource, FieldValue, Page, PageState
from models.base import utcnow
from models.blobs import put
from models.db import session_scope
from models.settings import get_settings
from ocr import PageReading, confirms

REGISTERED_QUALITY = 90


@dataclass(frozen=True)
class Claim:
    image_sha256: str
    attempt: int


def claim(page_id: int) -> Claim | None:
    """Mark the page as being read; None when there is nothing to do (gone, or done already)."""
    with session_scope() as session:
        page = session.get(Page, page_id, with_for_update=True)
        if page is None or page.state not in (PageState.QUEUED, PageState.READING):
            return None
        page.attempts += 1
        if page.attempts > get_settings().task_max_attempts:
            page.state = PageState.FAILED
            page.state_reason = (
                f"gave up after {page.attempts - 1} attempts that ended without an answer "
                "(the worker may have crashed on this page)"
            )
            return None
        if page.image_sha256 is None:  # never split: a read sent for it has nothing to read
            return None
        if page.state == PageState.QUEUED:
            page.move_to(PageState.READING)
        return Claim(page.image_sha256, page.attempts)


def fail(page_id: int, reason: str) -> None:
    with session_scope() as session:
        page = session.get(Page, page_id, with_for_update=True)
        if page is not None and page.state == PageState.READING:
            page.move_to(PageState.FAILED, reason)


def requeue(page_id: int, reason: str) -> None:
    with session_scope() as session:
        page = session.get(Page, page_id, with_for_update=True)
        if page is not None and page.state == PageState.READING:
            page.move_to(PageState.QUEUED, reason)


def _jpeg(image: np.ndarray) -> bytes:
    """The registered page as the review screens show it; JPEG keeps a page near 0.5 MB."""
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, REGISTERED_QUALITY])
    if not ok:
        raise ValueError("the registered page could not be encoded")
    return encoded.tobytes()


def _shaped(session: Session, key: str, value: str, confidence: float) -> str:
    """The value read, a doubtful address in the shape of the city's addresses (for the person
    who checks it; ledger.kit.addresses). A sure value is never changed."""
    if key != "address" or not value or confidence >= get_settings().review_confidence:
        return value
    return shaped_address(session, value)


def store(page_id: int, reading: PageReading, timings: dict[str, float],
          after_commit: Collection[str] = (), offered: Collection[str] = (),
          shown: np.ndarray | None = None) -> None:
    """Keep the reader's values and move the page on to review, or straight to the ledger.
    `timings` (seconds per stage) are kept on the page, with this step's own as `storage`;
    `after_commit` is the form's setting of the answers that do not hold the record back,
    `offered` the vaccines it offers to tick; `shown` the registered page for the screens
    when it is not the reader's own (a colour scan)."""
    started = perf_counter()
    registered, _ = put(_jpeg(reading.registered if shown is None else shown))
    with session_scope() as session:
        page = session.get(Page, page_id, with_for_update=True)
        if page is None or page.state != PageState.READING:
            return
        page.form_id, page.form_version = reading.form_id, reading.form_version
        page.registered_sha256 = registered
        page.read_at = utcnow()
        page.fields = [f for f in page.fields
                       if f.source not in (FieldSource.OCR, FieldSource.REGISTER)]
        session.flush()
        read = {key: _shaped(session, key, field.value, field.confidence)
                for key, field in reading.fields.items()}
        for position, (key, field) in enumerate(reading.fields.items()):
            page.fields.append(FieldValue(
                key=key, position=position, value=read[key], confidence=field.confidence,
                source=FieldSource.OCR, box=list(field.box),
            ))
        if reading.serial:  # a personal form: its QR names the person (ledger.checks.serials)
            read[SERIAL_KEY] = reading.serial
            page.fields.append(FieldValue(key=SERIAL_KEY, position=len(reading.fields),
                                          value=reading.serial, confidence=1.0,
                                          source=FieldSource.OCR))
        shows = lambda key, expected: confirms(reading, key, normalise(expected))  # noqa: E731
        decide(session, page, read, {key: list(f.box) for key, f in reading.fields.items()},
               shows, after_commit, offered)
        page.timings = {**timings, "storage": perf_counter() - started}

