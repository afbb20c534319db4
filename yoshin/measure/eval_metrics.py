"""The arithmetic of `yoshin eval`: how read values compare with the truth of each page.

A field counts as right when its value equals the truth after the same normalisation the
ledger compares names with (width, spaces, case). "Auto-accepted" means the pipeline would
let it through without a person; an error among those is the figure that matters most.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from statistics import mean, median

from rapidfuzz.distance import Levenshtein

from ledger.kit.text import normalise
from yoshin.measure.person_time import (
    follow_up_seconds_per_100_forms,
    person_seconds_per_100_forms,
)

LEDGER_KEYS = frozenset({"vaccine", "dose_number", "vaccination_date", "lot_number",
                         "clinic_code", "doctor_decision"})
"""The fields a ledger record is made of (with the resident): a page committed without a
person must have every one of them right."""
CALIBRATION_EDGES = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0001)
"""Confidence bins of the calibration table; the last one holds exactly 1.0."""


@dataclass(frozen=True)
class FieldOutcome:
    """`value` is what the pipeline holds in the end (the reader's reading, or the city's
    records' confirmation of it); `read` and `confidence` are the reader's own."""

    key: str
    type: str
    truth: str
    value: str
    accepted: bool
    read: str | None = None
    confidence: float | None = None

    @property
    def correct(self) -> bool:
        return normalise(self.value) == normalise(self.truth)

    @property
    def read_correct(self) -> bool:
        return normalise(self.read or "") == normalise(self.truth)

    @property
    def edits(self) -> int:
        return Levenshtein.distance(normalise(self.value), normalise(self.truth))


@dataclass(frozen=True)
class PageOutcome:
    """`needs_review` False means the page went to the ledger (or was ready to), or was
    filed as a deferral (ledger.checks.routing), with no person; `resident_right` says
    whether the resident it was matched to is the one who filled it in (None when
    unmatched); `failure` is the reason a page was not read."""

    name: str
    fields: list[FieldOutcome]
    needs_review: bool
    seconds: float
    resident_right: bool | None = None
    failure: str = ""
    follow_up: tuple[str, ...] = ()
    """Answers doubted on a page that went to the ledger: a person's later look."""
    personal: bool = False
    """A personal form (printed for one person by a notice run, a serial in its QR)."""
    held_by: tuple[str, ...] = ()
    """The doubted fields that held the page back from the ledger (the form's answers looked
    at after the commit aside); empty when it went on."""
    filed: bool = False
    """A deferral (予診のみ) the reader filed: no record, and no person (needs_review False)."""

    @property
    def wrong_ledger_keys(self) -> list[str]:
        """What would make the ledger record wrong: a wrong value of a field the record is
        made of, or the dose given to another person."""
        wrong = [f.key for f in self.fields if f.key in LEDGER_KEYS and not f.correct]
        return wrong + (["resident"] if self.resident_right is False else [])


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _field_figures(fields: list[FieldOutcome]) -> dict[str, float | int]:
    accepted = [f for f in fields if f.accepted]
    truth_chars = sum(len(normalise(f.truth)) for f in fields)
    return {
        "fields": len(fields),
        "field_accuracy": _share(sum(f.correct for f in fields), len(fields)),
        "cer": _share(sum(f.edits for f in fields), max(truth_chars, 1)),
        "auto_accepted_share": _share(len(accepted), len(fields)),
        "auto_accepted_error_rate": _share(sum(not f.correct for f in accepted), len(accepted)),
    }


def calibration(fields: list[FieldOutcome]) -> list[dict[str, float | int]]:
    """How often the reader was right at each level of confidence it gave: a well-calibrated
    reader is right about as often as it says."""
    rows = []
    for low, high in zip(CALIBRATION_EDGES, CALIBRATION_EDGES[1:], strict=False):
        inside = [f for f in fields if f.confidence is not None and low <= f.confidence < high]
        rows.append({"low": low, "high": min(high, 1.0), "fields": len(inside),
                     "accuracy": _share(sum(f.read_correct for f in inside), len(inside))})
    return rows


def _auto_accepted_errors(pages: list[PageOutcome]) -> list[dict[str, object]]:
    """Every value let through without a person that is wrong: the list a person would
    check first, and the reader's worst mistakes."""
    return [{"page": page.name, "field": f.key, "type": f.type, "truth": f.truth,
             "value": f.value, "read": f.read, "confidence": f.confidence}
            for page in pages for f in page.fields if f.accepted and not f.correct]


def _page_figures(pages: list[PageOutcome]) -> dict[str, object]:
    """Page by page where it helps to look at the pages themselves: which were not read,
    which went to the ledger wrong, and which a field held back (`held_by` only counts
    them, and finding the held pages otherwise meant reading the set again)."""
    straight = [page for page in pages if not page.needs_review and not page.filed]
    wrong = [{"page": page.name, "wrong": page.wrong_ledger_keys} for page in straight
             if page.wrong_ledger_keys]
    failed = [page for page in pages if page.failure]
    return {
        "pages_registered": len(pages) - len(failed),
        "registration_failures": [{"page": p.name, "reason": p.failure} for p in failed],
        "pages_straight_to_ledger": len(straight),
        "pages_filed_as_deferrals": sum(page.filed for page in pages),
        "pages_straight_to_ledger_with_a_wrong_ledger_value": wrong,
        "pages_held": [{"page": page.name, "personal": page.personal,
                        "held_by": list(page.held_by)} for page in pages if page.held_by],
    }


def _holding(pages: list[PageOutcome]) -> dict[str, dict[str, int]]:
    """For each field, how many pages it held back from the ledger, and on how many of them
    it was the only one: where a person's time goes, and what a better reading of one field
    would save (the alone count is what it saves outright)."""
    held: dict[str, dict[str, int]] = defaultdict(lambda: {"pages": 0, "alone": 0})
    for page in pages:
        for key in page.held_by:
            held[key]["pages"] += 1
            held[key]["alone"] += len(page.held_by) == 1
    return dict(sorted(held.items(), key=lambda item: (-item[1]["pages"], item[0])))


def _person_figures(pages: list[PageOutcome]) -> dict[str, object]:
    return {
        "pages": len(pages),
        "pages_needing_review_share": _share(sum(p.needs_review for p in pages), len(pages)),
        "person_seconds_per_100_forms": person_seconds_per_100_forms(pages),
        "pages_with_follow_up_share": _share(sum(bool(p.follow_up) for p in pages), len(pages)),
        "follow_up_seconds_per_100_forms": follow_up_seconds_per_100_forms(pages),
        "auto_accepted_error_rate": _field_figures(
            [f for p in pages for f in p.fields])["auto_accepted_error_rate"],
        "held_by": _holding(pages),
    }


def summarise(pages: list[PageOutcome]) -> dict[str, object]:
    """The figures `yoshin eval` prints and writes with --json."""
    fields = [f for page in pages for f in page.fields]
    by_type: dict[str, list[FieldOutcome]] = defaultdict(list)
    by_key: dict[str, list[FieldOutcome]] = defaultdict(list)
    for field in fields:
        by_type[field.type].append(field)
        by_key[field.key].append(field)
    seconds = [page.seconds for page in pages]
    return {
        "pages": len(pages),
        **_field_figures(fields),
        **{key: value for key, value in _person_figures(pages).items()
           if key not in ("pages", "auto_accepted_error_rate")},
        "per_kind": {kind: _person_figures(found) for kind, found in (
            ("personal", [p for p in pages if p.personal]),
            ("blank", [p for p in pages if not p.personal])) if found},
        "seconds_per_page": mean(seconds) if seconds else 0.0,
        "median_seconds_per_page": median(seconds) if seconds else 0.0,
        "per_type": {kind: _field_figures(found) for kind, found in sorted(by_type.items())},
        "per_field": {key: _field_figures(found) for key, found in sorted(by_key.items())},
        "calibration": calibration(fields),
        "calibration_per_type": {kind: calibration(found)
                                 for kind, found in sorted(by_type.items())},
        **_page_figures(pages),
        "auto_accepted_errors": _auto_accepted_errors(pages),
    }
