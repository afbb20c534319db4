"""The synthetic set: deterministic, complete truth, a consistent register extract."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import cv2
from pdf2image import pdfinfo_from_path

from ocr import load_forms
from ocr.checkdigits import is_valid_my_number
from samples.generate import GeneratedSet, load_truth

RESIDENT_COLUMNS = ["atena_number", "my_number", "name", "name_kana", "birth_date", "sex",
                    "address", "ticket_number"]


def _residents(generated: GeneratedSet) -> list[dict[str, str]]:
    with generated.residents_csv.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_the_same_seed_gives_the_same_files(small_set: GeneratedSet,
                                            small_set_again: GeneratedSet) -> None:
    names = sorted(path.name for path in small_set.directory.iterdir())
    assert names == sorted(path.name for path in small_set_again.directory.iterdir())
    for name in names:
        if name != "batch.pdf":  # the PDF carries a creation date
            first = (small_set.directory / name).read_bytes()
            assert first == (small_set_again.directory / name).read_bytes(), name


def test_pages_are_300_dpi_a4_scans(small_set: GeneratedSet) -> None:
    assert [p.name for p in small_set.pages] == ["page-0001.png", "page-0002.png",
                                                 "page-0003.png"]
    image = cv2.imread(str(small_set.pages[0]), cv2.IMREAD_UNCHANGED)
    height, width = image.shape[:2]
    assert abs(width - 2480) <= 2 and abs(height - 3508) <= 2
    assert pdfinfo_from_path(str(small_set.batch_pdf))["Pages"] == 3


def test_truth_has_every_field_in_its_format(small_set: GeneratedSet, forms_dir: Path) -> None:
    spec = load_forms(forms_dir)["covid19"]
    truth = load_truth(small_set.directory)
    assert [path for path, _ in truth] == list(small_set.pages)
    for _, page in truth:
        assert page["form"] == "covid19"
        values = page["fields"]
        assert list(values) == [field.key for field in spec.fields]
        assert values["municipality_code"] == "122076"
        for field in spec.fields:
            value = values[field.key]
            if field.type == "digits" and value:
                assert value.isdigit() and len(value) == field.chars
            if field.type == "date" and value:
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
            if field.type == "choice":
                assert value in ["", *(option.value for option in field.options)]
            if field.type == "check":
                assert value in ("0", "1")
        assert re.fullmatch(r"0\d{2}-\d{3}-\d{4}", values["phone"])


def test_residents_cover_the_forms_and_more(small_set: GeneratedSet) -> None:
    residents = _residents(small_set)
    with small_set.residents_csv.open(encoding="utf-8") as stream:
        assert stream.readline().strip().split(",") == RESIDENT_COLUMNS
    assert len(residents) == 3 + 3 * 3
    for column in ("atena_number", "my_number", "ticket_number"):
        assert len({row[column] for row in residents}) == len(residents)
    for row in residents:
        assert is_valid_my_number(row["my_number"])
        assert re.fullmatch(r"\d{10}", row["atena_number"])
        assert re.fullmatch(r"\S+ \S+", row["name"])
        assert re.fullmatch(r"[ァ-ヶー]+ [ァ-ヶー]+", row["name_kana"])
        assert row["sex"] in ("M", "F")
    by_ticket = {row["ticket_number"]: row for row in residents}
    for _, page in load_truth(small_set.directory):
        values = page["fields"]
        person = by_ticket[values["ticket_number"]]
        for key in ("name", "name_kana", "birth_date", "sex", "address"):
            assert person[key] == values[key]
        assert person["address"].startswith("千葉県松戸市")
        if values["vaccination_date"]:
            assert values["vaccination_date"] > person["birth_date"]


def test_forms_use_the_listed_lots(small_set: GeneratedSet) -> None:
    with small_set.lots_csv.open(encoding="utf-8", newline="") as stream:
        lots = {row["lot_number"]: row["vaccine"] for row in csv.DictReader(stream)}
    assert set(lots.values()) == {"pfizer", "moderna", "daiichi"}
    for _, page in load_truth(small_set.directory):
        values = page["fields"]
        if values["lot_number"]:
            assert lots[values["lot_number"]] == values["vaccine"]
