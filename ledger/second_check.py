"""Which reviewer changes need a second person before the ledger takes the page.

A reviewer who changes who was vaccinated (ticket, name, birth date) or what was given and
when (vaccination date, lot) changes what the ledger will say about a person; the city asks
a supervisor to look at such a page again before it is committed. Other corrections (a
question's answer, the temperature) are the reviewer's alone.
"""

from __future__ import annotations

from ledger.text import normalise
from models import FieldSource, Page

IDENTIFYING = ("ticket_number", "name", "birth_date", "vaccination_date", "lot_number")
MACHINE = (FieldSource.CLINIC, FieldSource.REGISTER, FieldSource.OCR)
"""The sources of the value a reviewer saw, surest first."""


def machine_values(page: Page) -> dict[str, str]:
    """What the page held before any reviewer touched it."""
    rank = {source: index for index, source in enumerate(MACHINE)}
    best: dict[str, tuple[int, str]] = {}
    for field in page.fields:
        if field.source in rank and (field.key not in best
                                     or rank[field.source] < best[field.key][0]):
            best[field.key] = (rank[field.source], field.value)
    return {key: value for key, (_, value) in best.items()}


def changed_identifiers(page: Page) -> list[str]:
    """The identifying fields whose reviewer value differs from the machine's, form order."""
    before = machine_values(page)
    changed = {f.key for f in page.fields if f.source == FieldSource.REVIEWER
               and f.key in IDENTIFYING and normalise(f.value) != normalise(before.get(f.key, ""))}
    return [key for key in IDENTIFYING if key in changed]
