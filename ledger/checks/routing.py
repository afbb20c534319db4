"""The routing rule: whether a page goes to a person or straight into the ledger.

It is the one path for scanned pages and clinic submissions alike, so a clinic's form meets
exactly the checks a scanned one does (resident match, the register's confirmations, each
value's problems). It lives in the ledger, beside those checks, so that intake's clinic API
uses it without importing the OCR worker; the worker passes in what the image shows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy.orm import Session

from ledger.checks.confirmation import GIVEN_KEYS, Shows, confirmations, never
from ledger.checks.doubt import doubtful_keys, holding_keys, refresh_problems, unsure
from ledger.checks.serials import claim_serial, printed_for
from ledger.records.commit import CommitRefused, commit_page
from ledger.residents.matching import find_candidates, unique_match
from models import FieldSource, FieldValue, Page, PageState, Resident, audit
from models.base import utcnow
from models.settings import get_settings

READER = "system:reader"
"""The actor a page committed without a person is recorded under."""
DEFERRED = "予診のみ: 医師が接種を見合わせました（台帳に記録はありません）"
"""Why a page the doctor deferred was filed without a person (_deferred)."""


def decide(session: Session, page: Page, values: dict[str, str],
           boxes: dict[str, list[int]] | None = None, shows: Shows = never,
           after_commit: Collection[str] = (), offered: Collection[str] = ()) -> None:
    """Match the page to a resident, add what the city's records confirm, mark each value's
    problems, and send the page to a person or, when nothing the record is made of is
    doubtful and the resident is unique, into the ledger. Scanned pages and clinic
    submissions take this one path. Doubts about the `after_commit` fields (the form's
    questionnaire) do not hold the record back: they are kept on the page as its follow-up,
    for a person's later look. `offered` are the vaccines the form offers to tick, of which
    a personal form's serial may confirm the one of its programme (printed_for). What the
    serial confirms (the printed identity, never read again) comes first, so that a vaccine
    it confirms is no doubt to the records' confirmations: the volume that vaccine is given
    in at the person's age confirms a doubted volume mark."""
    settings = get_settings()
    order = list(values)
    serial = claim_serial(session, values, page.id)
    resident = session.get(Resident, serial.resident_id) if serial else \
        unique_match(find_candidates(session, values))
    page.resident_id = resident.id if resident else None
    doubted = {field.key for field in page.fields if unsure(field, settings.review_confidence)}
    printed = printed_for(session, serial, values, offered) if serial is not None else {}
    confirmed = confirmations(session, values | printed, resident, shows,
                              doubted - printed.keys()) | printed
    for key, value in confirmed.items():
        page.fields.append(FieldValue(
            key=key, position=order.index(key), value=value, source=FieldSource.REGISTER,
            box=(boxes or {}).get(key),
        ))
    current = page.current_fields()
    refresh_problems(session, current, resident_id=page.resident_id, page_id=page.id)
    doubts = doubtful_keys(current, settings.review_confidence)
    doubtful = holding_keys(current, settings.review_confidence, after_commit)
    if (settings.auto_commit_ready and resident is not None
            and _deferred(current, doubtful, settings.review_confidence)):
        page.move_to(PageState.REJECTED, DEFERRED)
        page.decided_at = utcnow()
        audit.record(session, actor=READER, action="page.deferred", resident_id=resident.id,
                     subject=f"page:{page.id}")
        return
    if doubtful or resident is None:
        why = [f"{len(doubtful)} doubtful fields"] if doubtful else []
        why += [] if resident else ["no unique resident match"]
        page.move_to(PageState.NEEDS_REVIEW, "; ".join(why))
        return
    page.move_to(PageState.READY)
    page.follow_up = doubts or None
    if settings.auto_commit_ready:
        try:
            commit_page(session, page, actor=READER, user_id=None)
        except CommitRefused as refused:
            page.move_to(PageState.NEEDS_REVIEW, str(refused))


def _deferred(current: Mapping[str, FieldValue], doubtful: Collection[str],
              threshold: float) -> bool:
    """Whether the page is a deferral (予診のみ) read surely: 見合わせ marked and read surely,
    no dose given (GIVEN_KEYS read surely as blank) and nothing else in doubt. Such a form
    never becomes a record, and a person opening it only files it; a deferral read from a
    form whose vaccination box is filled contradicts it, and waits for a person. A city that
    has a person commit every page (auto_commit_ready off) has one file every deferral too."""
    decision = current.get("doctor_decision")
    return (decision is not None and decision.value == "defer"
            and not unsure(decision, threshold) and list(doubtful) == ["doctor_decision"]
            and all(not current[key].value.strip() and not unsure(current[key], threshold)
                    for key in GIVEN_KEYS if key in current))
