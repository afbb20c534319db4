"""A small generated set, read once per session: the reading is the slow part (Tesseract)."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from ocr import FormSpec, PageReading, load_forms, read_page
from samples.blank_form import FORMS_DIR
from samples.generate import generate_set, load_truth

PAGES = 6
SEED = 3
INFLUENZA_PAGES = 2


@pytest.fixture(scope="session")
def forms() -> dict[str, FormSpec]:
    return load_forms(FORMS_DIR)


@pytest.fixture(scope="session")
def truth_pages(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, dict]]:
    directory = tmp_path_factory.mktemp("ocr-set")
    generate_set(directory, PAGES, SEED, quality="office")
    return load_truth(directory)


@pytest.fixture(scope="session")
def influenza_pages(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, dict]]:
    directory = tmp_path_factory.mktemp("ocr-influenza")
    generate_set(directory, INFLUENZA_PAGES, SEED, quality="clean", form="influenza")
    return load_truth(directory)


@pytest.fixture(scope="session")
def readings(truth_pages: list[tuple[Path, dict]], forms: dict[str, FormSpec]
             ) -> list[tuple[dict, PageReading]]:
    """Each page's truth with what the recogniser read from it."""
    return [(truth, read_page(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), forms))
            for path, truth in truth_pages]
