"""The one state machine of a page, used by the API, the workers and the screens alike.

received → queued → reading → needs_review | ready → in_review → confirmed | rejected;
reading → rejected for a deferral read surely (予診のみ, ledger.checks.routing);
in_review → second_check → confirmed (a second person approves what a reviewer changed);
failed (with a reason) from any step before the end; a failed page can be queued again.
A page is `received` until the queue has rendered its image from the uploaded file; a failed
page that never had one goes back to `received` to be split again.
A page never leaves this machine except through `confirmed` or `rejected`.
"""

from __future__ import annotations

from enum import StrEnum


class PageState(StrEnum):
    RECEIVED = "received"
    QUEUED = "queued"
    READING = "reading"
    NEEDS_REVIEW = "needs_review"
    READY = "ready"
    IN_REVIEW = "in_review"
    SECOND_CHECK = "second_check"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    FAILED = "failed"


S = PageState
ALLOWED: dict[PageState, frozenset[PageState]] = {
    S.RECEIVED: frozenset({S.QUEUED, S.FAILED}),
    S.QUEUED: frozenset({S.READING, S.FAILED}),
    S.READING: frozenset({S.QUEUED, S.NEEDS_REVIEW, S.READY, S.REJECTED, S.FAILED}),
    S.NEEDS_REVIEW: frozenset({S.IN_REVIEW, S.REJECTED}),
    S.READY: frozenset({S.IN_REVIEW, S.NEEDS_REVIEW, S.CONFIRMED, S.REJECTED}),
    S.IN_REVIEW: frozenset({S.NEEDS_REVIEW, S.READY, S.SECOND_CHECK, S.CONFIRMED, S.REJECTED}),
    S.SECOND_CHECK: frozenset({S.CONFIRMED, S.NEEDS_REVIEW}),
    S.CONFIRMED: frozenset(),
    S.REJECTED: frozenset(),
    S.FAILED: frozenset({S.QUEUED, S.RECEIVED}),
}

FINAL = frozenset({S.CONFIRMED, S.REJECTED})
AWAITING_REVIEW = frozenset({S.NEEDS_REVIEW, S.READY})
WORK_DONE = FINAL | AWAITING_REVIEW | {S.IN_REVIEW, S.SECOND_CHECK, S.FAILED}


class InvalidTransition(Exception):
    def __init__(self, current: PageState, target: PageState) -> None:
        super().__init__(f"a page that is {current} cannot become {target}")
        self.current = current
        self.target = target


def check_transition(current: str, target: PageState) -> None:
    if target not in ALLOWED[PageState(current)]:
        raise InvalidTransition(PageState(current), target)
