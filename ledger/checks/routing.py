"""The routing rule: whether a page goes to a person or straight into the ledger.

It is the one path for scanned pages and clinic submissions alike, so a clinic's form meets
exactly the checks a scanned one does (resident match, the register's confirmations, each
value's problems). It lives in the ledger, beside those checks, so that intake's clinic API
uses it without importing the OCR worker; the worker passes in what the image shows.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.checks.confirmation import REGISTER, Shows, confirmations, never
from ledger.checks.doubt import doubtful_keys, refresh_problems
from ledger.checks.serials import resident_by_serial
from ledger.records.commit import CommitRefused, commit_page
from ledger.residents.matching import find_candidates, unique_match
from models import FieldSource, FieldValue, Page, PageState
from models.settings import get_settings

READER = "system:reader"
"""The actor a page committed without a person is recorded under."""


def decide(session: Session, page: Page, values: dict[str, str],
           boxes: dict[str, list[int]] | None = None, shows: Shows = never) -> None:
    """Match the page to a resident, add what the city's records confirm, mark each value's
    problems, and send the page to a person or, when nothing is doubtful and the resident is
    unique, into the ledger. Scanned pages and clinic submissions take this one path."""
    settings = get_settings()
    order = list(values)
    by_serial = resident_by_serial(session, values, page.id)
    resident = by_serial or unique_match(find_candidates(session, values))
    page.resident_id = resident.id if resident else None
    confirmed = confirmations(session, values, resident, shows)
    if by_serial is not None:  # the printed identity is the city's own: not read again
        confirmed |= {key: expected(by_serial) for key, expected in REGISTER.items()
                      if key in values}
    for key, value in confirmed.items():
        page.fields.append(FieldValue(
            key=key, position=order.index(key), value=value, source=FieldSource.REGISTER,
            box=(boxes or {}).get(key),
        ))
    current = page.current_fields()
    refresh_problems(session, current, resident_id=page.resident_id, page_id=page.id)
    doubtful = doubtful_keys(current, settings.review_confidence)
    if doubtful or resident is None:
        why = [f"{len(doubtful)} doubtful fields"] if doubtful else []
        why += [] if resident else ["no unique resident match"]
        page.move_to(PageState.NEEDS_REVIEW, "; ".join(why))
        return
    page.move_to(PageState.READY)
    if settings.auto_commit_ready:
        try:
            commit_page(session, page, actor=READER, user_id=None)
        except CommitRefused as refused:
            page.move_to(PageState.NEEDS_REVIEW, str(refused))
