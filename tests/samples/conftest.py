"""One small generated set shared by the generator tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from samples.generate import GeneratedSet, generate_set

PAGES = 3
SEED = 42


@pytest.fixture(scope="session")
def small_set(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSet:
    return generate_set(tmp_path_factory.mktemp("small-set"), PAGES, SEED)


@pytest.fixture(scope="session")
def small_set_again(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSet:
    """The same seed written a second time, to check the generator is deterministic."""
    return generate_set(tmp_path_factory.mktemp("small-set-again"), PAGES, SEED)


@pytest.fixture(scope="session")
def forms_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "samples" / "forms"
