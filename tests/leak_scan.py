"""The scan that ends every test run (tests/conftest.py, after the last test whatever the
order): every file the run wrote — the servers' and workers' logs, the installations' homes
and SQLite databases, exports, bulk results, stored uploads — is searched for any My Number
the run used.

The numbers come from the register extracts the tests fed in and the literals in the tests'
own source; those inputs are the only files allowed to hold them.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ledger.kit.identifiers import is_valid_my_number

TESTS = Path(__file__).resolve().parent
SAMPLE_SETS = TESTS.parent / "samples" / "sets"
PICTURES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".pdf", ".svg"}
"""Pictures hold no text to leak; the PDFs are the tests' certificates (no number printed)."""


def _is_input(path: Path) -> bool:
    """A register extract a test fed in: a CSV with a my_number column (no export has one)."""
    if path.suffix != ".csv":
        return False
    with path.open("rb") as handle:
        return b"my_number" in handle.readline()


def _numbers_used(base: Path) -> set[str]:
    numbers: set[str] = set()
    extracts = [p for p in [*base.rglob("*.csv"), *SAMPLE_SETS.rglob("*.csv")] if _is_input(p)]
    for extract in extracts:
        with extract.open(encoding="utf-8-sig") as handle:
            numbers.update(row["my_number"] for row in csv.DictReader(handle)
                           if row.get("my_number"))
    for source in TESTS.rglob("*.py"):
        numbers.update(n for n in re.findall(r"(?<!\d)\d{12}(?!\d)", source.read_text())
                       if is_valid_my_number(n))
    return numbers


def find_leaks(base: Path, roots: list[Path]) -> tuple[int, list[str]]:
    """How many files were searched under `roots`, and each that holds a My Number the run
    used (named by its last four digits only)."""
    numbers = _numbers_used(base)
    assert len(numbers) >= 10, "the run used no My Numbers to look for"
    pattern = re.compile("|".join(sorted(numbers)).encode())
    searched, leaks = 0, []
    for root in roots:
        for path in root.rglob("*"):
            if not path.is_file() or path.suffix.lower() in PICTURES or _is_input(path):
                continue
            searched += 1
            found = pattern.search(path.read_bytes())
            if found:
                leaks.append(f"{path}: a My Number ending {found.group()[-4:].decode()}")
    return searched, leaks
