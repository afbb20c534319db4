"""The vaccines a generated form may name, read from the ledger's catalogue file.

The one vaccine catalogue is ledger/kit/vaccines.json (ledger/kit/vaccines.py says why it is
a data file). The generator may import nothing but ocr, so it reads the file here and keeps
only what a filled form needs; it never lists a vaccine of its own, so a page can only name a
product, maker or date the ledger knows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "ledger" / "kit" / "vaccines.json"


@dataclass(frozen=True)
class FormVaccine:
    """What a form and the lot master say about one vaccine."""

    disease: str
    manufacturer_ja: str
    """Empty when several companies make it (influenza): the lot master names each."""
    dose_ml: str
    """The adult dose as the doctor writes it."""
    first_given: date
    """A form names a product that was being given on its date (the ledger refuses others as
    misread)."""


def load_vaccines(path: Path = CATALOGUE_FILE) -> dict[str, FormVaccine]:
    """Ledger vaccine name → what a form needs of it, in the file's order."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    return {name: FormVaccine(str(entry["disease"]), str(entry["manufacturer_ja"]),
                              str(entry["dose_ml"]), date.fromisoformat(entry["first_given"]))
            for name, entry in entries.items()}


VACCINES: dict[str, FormVaccine] = load_vaccines()
