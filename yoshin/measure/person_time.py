"""A person's time a set of pages costs, from a keystroke-level model (Card, Moran and Newell's
KLM; operator times as they give them for an average skilled typist). The review screen's
work is broken into the model's operators:

- a page needing a person is opened and looked over: M + K (the key that opens it) + 1.2 s
  to find one's way on the image (PAGE_LOOK);
- each field shown as doubtful is checked against its crop: M + K (confirm it);
- each of those whose value is wrong is typed: M + K per character of the right value;
- a page matched to no resident, a resident is picked: M + 6 K (a search of a few
  characters) + P + B (point at the candidate and click);
- a page the reader could not place on its form is keyed whole: every field as a wrong one.

A page that went straight to the ledger costs no one anything before the ledger. When the
form lets doubtful questionnaire answers through (its `after_commit` setting), the page's
follow-up costs a later look: M + K + PAGE_LOOK, then each flagged answer checked and, if
wrong, typed as above. `yoshin eval` reports both per 100 forms beside the share of pages
needing a person (JSON `person_seconds_per_100_forms`, `follow_up_seconds_per_100_forms`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.kit.text import normalise

if TYPE_CHECKING:  # eval_metrics reports these figures, so it is the one that imports
    from yoshin.measure.eval_metrics import FieldOutcome, PageOutcome

K, P, B, M = 0.28, 1.1, 0.1, 1.35
"""Keystroke, point, button press, mental preparation (seconds)."""
PAGE_LOOK = 1.2
SEARCH_KEYS = 6


def _typed(truth: str) -> float:
    return M + K * len(normalise(truth))


def _checked(fields: list[FieldOutcome]) -> float:
    return sum(M + K + (0.0 if field.correct else _typed(field.truth)) for field in fields)


def person_seconds(page: PageOutcome) -> float:
    if not page.needs_review:
        return 0.0
    seconds = M + K + PAGE_LOOK
    if page.failure:
        return seconds + sum(_typed(field.truth) for field in page.fields)
    seconds += _checked([field for field in page.fields if not field.accepted])
    if page.resident_right is None:
        seconds += M + SEARCH_KEYS * K + P + B
    return seconds


def follow_up_seconds(page: PageOutcome) -> float:
    if page.needs_review or not page.follow_up:
        return 0.0
    flagged = set(page.follow_up)
    return M + K + PAGE_LOOK + _checked([f for f in page.fields if f.key in flagged])


def person_seconds_per_100_forms(pages: list[PageOutcome]) -> float:
    return 100 * sum(person_seconds(page) for page in pages) / len(pages) if pages else 0.0


def follow_up_seconds_per_100_forms(pages: list[PageOutcome]) -> float:
    return 100 * sum(follow_up_seconds(page) for page in pages) / len(pages) if pages else 0.0
