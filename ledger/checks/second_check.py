"""Which reviewer changes need a second person before the ledger takes the page.

A reviewer who changes who was vaccinated (ticket, name, birth date, or the resident the page
is matched to) or what was given and when (vaccination date, lot) changes what the ledger
will say about a person; the city asks a supervisor to look at such a page again before it
is committed. Other corrections (a question's answer, the temperature) are the reviewer's
alone. Whoever had a hand in the page's values (a correction, a hand match, the
confirmation) is never the second person.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.kit.text import normalise
from models import FieldSource, Page

RESIDENT = "resident"
"""The change of a page's resident by hand, listed with the identifying fields."""
IDENTIFYING = ("ticket_number", "name", "birth_date", "vaccination_date", "lot_number")
MACHINE = (FieldSource.CLINIC, FieldSource.REGISTER, FieldSource.OCR)
"""The sources of the value a reviewer saw, surest first."""


def machine_values(page: Page) -> dict[str, str]:
    """What the page held before any reviewer touched it."""
    rank: dict[str, int] = {source: index for index, source in enumerate(MACHINE)}
    best: dict[str, tuple[int, str]] = {}
    for field in page.fields:
        if field.source in rank and (field.key not in best
                                     or rank[field.source] < best[field.key][0]):
            best[field.key] = (rank[field.source], field.value)
    return {key: value for key, (_, value) in best.items()}


def match_by_hand(page: Page, resident_id: int, user_id: int) -> bool:
    """Put the page on the resident a person chose; False when it already was. The reader's
    match is kept on the first hand match, and the person is recorded as its author."""
    if page.resident_id == resident_id:
        return False
    if page.resident_matched_by_id is None:
        page.reader_resident_id = page.resident_id
    page.resident_id = resident_id
    page.resident_matched_by_id = user_id
    return True


def rematched(page: Page) -> bool:
    """A person matched the page to another resident than the reader did, or matched a page
    the reader could not."""
    return page.resident_matched_by_id is not None and page.resident_id != page.reader_resident_id


def changed_identifiers(page: Page) -> list[str]:
    """`resident` when the page was matched by hand to another resident, then the
    identifying fields whose reviewer value differs from the machine's, in form order."""
    before = machine_values(page)
    changed = {f.key for f in page.fields if f.source == FieldSource.REVIEWER
               and f.key in IDENTIFYING and normalise(f.value) != normalise(before.get(f.key, ""))}
    return ([RESIDENT] if rematched(page) else []) + [key for key in IDENTIFYING
                                                       if key in changed]


@dataclass(frozen=True)
class OwnPart:
    """What one person did to a page waiting for its second check; any of it bars them from
    making that check."""

    confirmed: bool
    matched: bool
    corrected: tuple[str, ...]

    def __bool__(self) -> bool:
        return self.confirmed or self.matched or bool(self.corrected)

    def describe(self) -> str:
        """In the words of the API's refusal."""
        parts = (["confirmed the page"] if self.confirmed else []) \
            + (["matched it to its resident"] if self.matched else []) \
            + ([f"corrected {', '.join(self.corrected)}"] if self.corrected else [])
        return " and ".join(parts)


def own_part(page: Page, user_id: int) -> OwnPart:
    """The person's hand in the page: its confirmation, its hand match, its corrections (each
    correction's author is the row's `created_by_id`)."""
    return OwnPart(
        confirmed=page.decided_by_id == user_id,
        matched=page.resident_matched_by_id == user_id,
        corrected=tuple(f.key for f in page.fields
                        if f.source == FieldSource.REVIEWER and f.created_by_id == user_id),
    )
