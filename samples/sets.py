"""The sample sets committed under samples/sets, and how to make them again.

`python -m samples.sets` rewrites samples/sets/mixed-30: 10 clean, 10 office and 10 poor
pages, mostly covid19 with a few influenza forms.
"""

from __future__ import annotations

from pathlib import Path

from samples.generate import GeneratedSet, write_set

SETS_DIR = Path(__file__).parent / "sets"
MIXED_30_SEED = 20261130
MIXED_30_QUALITIES = ["clean"] * 10 + ["office"] * 10 + ["poor"] * 10
RESERVED_SEEDS = range(900_000, 1_000_000)
"""Seeds whose sets are only ever measured (`yoshin eval` for the figures the README gives),
never looked at or tuned on: a reader tuned on its own test pages reports figures it will
not meet. Tuning, tests and committed sets use seeds below 900000."""


def build_mixed_30(directory: Path = SETS_DIR / "mixed-30") -> GeneratedSet:
    """The committed 30-page mixed-quality set (residents 3 per page, as by default).

    Its batch.pdf and batch.tif are left out: together they would triple the set's size in
    the repository, and tests that upload a bundle make their own."""
    for old in directory.glob("*"):
        old.unlink()
    made = write_set(directory, MIXED_30_QUALITIES, MIXED_30_SEED, form="mixed")
    made.batch_pdf.unlink()
    made.batch_tiff.unlink()
    return made


if __name__ == "__main__":
    build_mixed_30()
