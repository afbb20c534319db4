"""The end-of-run leak scan (tests/leak_scan.py) finds a planted My Number in any file it
searches, names it by its last four digits only, and leaves a register extract alone."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.leak_scan import find_leaks

KNOWN = "123456789018"
"""A valid My Number written in this source, so the scan looks for it."""


@pytest.fixture
def outside() -> Iterator[Path]:
    """A folder outside the run's temporary base, which the end-of-run scan searches."""
    with tempfile.TemporaryDirectory(prefix="leak-scan-") as folder:
        yield Path(folder)


def test_a_planted_number_is_found_and_named_by_four_digits(outside: Path) -> None:
    (outside / "worker.log").write_text(f"reading page 3 for {KNOWN}\n")
    (outside / "clean.log").write_text("reading page 4\n")
    searched, leaks = find_leaks(outside, [outside])
    assert searched == 2
    assert leaks == [f"{outside / 'worker.log'}: a My Number ending 9018"]
    assert KNOWN not in leaks[0]


def test_a_register_extract_and_pictures_are_not_leaks(outside: Path) -> None:
    (outside / "register.csv").write_text(f"name,my_number\nX,{KNOWN}\n")
    (outside / "page.png").write_bytes(KNOWN.encode())
    assert find_leaks(outside, [outside]) == (0, [])
