"""Small generated sets shared by the generator tests, and the committed set."""

from __future__ import annotations

from pathlib import Path

import pytest

from samples.generate import GeneratedSet, generate_set
from samples.sets import SETS_DIR

PAGES = 3
SEED = 42


@pytest.fixture(scope="session")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSet:
    return generate_set(tmp_path_factory.mktemp("small-set"), PAGES, SEED, quality="clean")


@pytest.fixture(scope="session")
def small_set_again(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSet:
    """The same seed written a second time, to check the generator is deterministic."""
    return generate_set(tmp_path_factory.mktemp("small-set-again"), PAGES, SEED, quality="clean")


@pytest.fixture(scope="session")
def mixed_set(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSet:
    """Poor scans of both forms: JPEG and fax pages, 200 dpi."""
    return generate_set(tmp_path_factory.mktemp("mixed-set"), 6, 7, quality="poor", form="mixed")


@pytest.fixture(scope="session")
def all_set(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSet:
    """Every form, every routine product of the children's and elderly forms once."""
    return generate_set(tmp_path_factory.mktemp("all-set"), 8, 11, quality="office", form="all")


@pytest.fixture(scope="session")
def committed_dir() -> Path:
    return SETS_DIR / "mixed-30"


@pytest.fixture(scope="session")
def forms_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "samples" / "forms"
