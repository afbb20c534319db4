"""The synthetic sets: deterministic, complete truth, CSVs consistent with the forms."""

from __future__ import annotations

import csv
import dataclasses
import re
from pathlib import Path

import cv2
import pytest
from pdf2image import pdfinfo_from_path
from PIL import Image

from ocr import load_forms
from ocr.checkdigits import is_valid_my_number
from ocr.fieldmap import FormSpec
from samples.generate import GeneratedSet, SetFolderInUse, generate_set, load_truth
from samples.people import Resident
from yoshin.personal_print import print_personal

RESIDENT_COLUMNS = ["atena_number", "my_number", "name", "name_kana", "birth_date", "sex",
                    "address"]
TICKET_COLUMNS = ["ticket_number", "atena_number", "municipality_code", "ticket_kind",
                  "ticket_dose"]
LOT_COLUMNS = ["lot_number", "vaccine", "manufacturer"]


def _rows(path: Path, columns: list[str]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        assert stream.readline().strip().split(",") == columns
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_the_same_seed_gives_the_same_files(small_set: GeneratedSet,
                                            small_set_again: GeneratedSet) -> None:
    names = sorted(path.name for path in small_set.directory.iterdir())
    assert names == sorted(path.name for path in small_set_again.directory.iterdir())
    for name in names:
        if name != "batch.pdf":  # the PDF carries a creation date
            first = (small_set.directory / name).read_bytes()
            assert first == (small_set_again.directory / name).read_bytes(), name


def test_clean_pages_are_300_dpi_a4_scans(small_set: GeneratedSet) -> None:
    assert [p.name for p in small_set.pages] == ["page-0001.png", "page-0002.png",
                                                 "page-0003.png"]
    image = cv2.imread(str(small_set.pages[0]), cv2.IMREAD_UNCHANGED)
    height, width = image.shape[:2]
    assert abs(width - 2480) <= 2 and abs(height - 3508) <= 2
    assert pdfinfo_from_path(str(small_set.batch_pdf))["Pages"] == 3
    assert Image.open(small_set.batch_tiff).n_frames == 3


def test_poor_pages_are_200_dpi_jpeg_or_fax(mixed_set: GeneratedSet) -> None:
    for path, page in load_truth(mixed_set.directory):
        assert page["scan"]["dpi"] == 200
        assert path.suffix == (".png" if page["scan"]["fax"] else ".jpg")
        assert cv2.imread(str(path), cv2.IMREAD_GRAYSCALE).shape[1] < 2000  # A4 + margin
    assert Image.open(mixed_set.batch_tiff).n_frames == len(mixed_set.pages)


@pytest.mark.parametrize("set_name", ["small_set", "mixed_set"])
def test_truth_has_every_key_in_its_format(set_name: str, request: pytest.FixtureRequest,
                                           forms_dir: Path) -> None:
    generated: GeneratedSet = request.getfixturevalue(set_name)
    forms = load_forms(forms_dir)
    truth = load_truth(generated.directory)
    assert [path for path, _ in truth] == list(generated.pages)
    for _, page in truth:
        spec = forms[page["form"]]
        values = page["fields"]
        assert list(values) == list(spec.output_keys)
        for field in spec.fields:
            value = values[field.key]
            if field.type in ("digits", "ocr_line") and value:
                assert value.isdigit() and len(value) == field.chars
            if field.type == "date" and value:
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)
            if field.type == "choice":
                assert value in ["", *(option.value for option in field.options)]
            if field.type in ("check", "presence"):
                assert value in ("true", "false")
            for key, part in field.split_value(value).items():
                assert values[key] == part
        assert values["phone"] == "" or re.fullmatch(r"0\d{2}-\d{3}-\d{4}", values["phone"])


def test_mixed_sets_hold_both_forms(committed_dir: Path) -> None:
    forms = {page["form"] for _, page in load_truth(committed_dir)}
    assert forms == {"covid19", "influenza"}


def test_an_all_set_holds_every_routine_product_each_a_valid_routine_dose(
        all_set: GeneratedSet) -> None:
    """A generated routine form records a dose the schedule engine accepts, for a person
    born to fit it: the generator writes what the ledger takes."""
    from datetime import date

    from ledger.schedule.engine import GivenDose, Person, evaluate

    pages = [page for _, page in load_truth(all_set.directory)]
    assert [(page["form"], page["fields"]["vaccine"] or "deferred") for page in pages
            if page["form"] in ("child", "elderly")] == [
        ("child", "dpt_ipv_hib"), ("child", "pcv20"), ("child", "mr"), ("child", "hpv9"),
        ("elderly", "ppsv23"), ("elderly", "zoster_rzv")]
    for page in pages:
        values = page["fields"]
        if page["form"] not in ("child", "elderly") or not values["vaccine"]:
            continue
        dose = GivenDose(values["vaccine"], date.fromisoformat(values["vaccination_date"]),
                         int(values["dose_number"]), values["dose_ml"])
        [verdict] = evaluate(Person(date.fromisoformat(values["birth_date"]), values["sex"]),
                             [dose])
        assert verdict.valid, (values["vaccine"], verdict.reasons)


@pytest.mark.parametrize("where", ["small_set", "mixed_set", "all_set", "committed"])
def test_csvs_are_consistent_with_the_forms(where: str, request: pytest.FixtureRequest,
                                            committed_dir: Path) -> None:
    directory = (committed_dir if where == "committed"
                 else request.getfixturevalue(where).directory)
    residents = _rows(directory / "residents.csv", RESIDENT_COLUMNS)
    tickets = _rows(directory / "tickets.csv", TICKET_COLUMNS)
    lots = {row["lot_number"]: row for row in _rows(directory / "lots.csv", LOT_COLUMNS)}
    pages = load_truth(directory)
    assert len(residents) == 4 * len(pages)
    for column in ("atena_number", "my_number"):
        assert len({row[column] for row in residents}) == len(residents)
    assert len({row["ticket_number"] for row in tickets}) == len(tickets)
    for row in residents:
        assert is_valid_my_number(row["my_number"])
        assert re.fullmatch(r"\d{10}", row["atena_number"])
        assert re.fullmatch(r"\S+ \S+", row["name"])
        assert re.fullmatch(r"[ァ-ヶー]+ [ァ-ヶー]+", row["name_kana"])
        assert row["sex"] in ("M", "F")
    by_atena = {row["atena_number"]: row for row in residents}
    by_ticket = {row["ticket_number"]: row for row in tickets}
    for _, page in pages:
        values = page["fields"]
        person = next(row for row in residents if row["name"] == values["name"]
                      and row["birth_date"] == values["birth_date"])
        for key in ("name_kana", "sex", "address"):
            assert person[key] == values[key]
        assert person["address"].startswith("千葉県松戸市")
        if page["form"] == "covid19":
            ticket = by_ticket[values["ticket_number"]]
            assert by_atena[ticket["atena_number"]] == person
            for key in ("municipality_code", "ticket_kind", "ticket_dose"):
                assert ticket[key] == values[key]
        if values["lot_number"]:
            assert lots[values["lot_number"]]["vaccine"] == values["vaccine"]
        if values["vaccination_date"]:
            assert values["vaccination_date"] > person["birth_date"]


def test_a_child_born_on_29_february_gets_a_form() -> None:
    import random

    from samples.answers import covid19_values, issue_ticket
    from samples.people import make_residents

    rng = random.Random(5)
    person = make_residents(rng, [(5, 10)], 0, set())[0]
    leap = dataclasses.replace(person, birth_date="2016-02-29")
    values = covid19_values(rng, leap, issue_ticket(rng, leap, set()))
    assert values["birth_date"] == "2016-02-29"
    assert values["vaccination_date"] == "" or values["vaccination_date"] >= "2021-03-01"


def test_a_set_is_not_written_over_a_folder_that_holds_files(tmp_path: Path) -> None:
    kept = tmp_path / "page-0001.json"
    kept.write_text("{}", encoding="utf-8")
    with pytest.raises(SetFolderInUse, match="not empty"):
        generate_set(tmp_path, 1, 3)
    assert [path.name for path in tmp_path.iterdir()] == ["page-0001.json"]
    assert kept.read_text(encoding="utf-8") == "{}"


def test_a_run_stopped_halfway_leaves_no_pages_behind(tmp_path: Path) -> None:
    printed: list[str] = []

    def printer_that_fails(spec: FormSpec, resident: Resident, serial: str, dose: int
                           ) -> tuple[Image.Image, frozenset[str]]:
        printed.append(serial)
        if len(printed) == 2:
            raise RuntimeError("the printer jammed")
        return print_personal(spec, resident, serial, dose)

    with pytest.raises(RuntimeError, match="jammed"):
        generate_set(tmp_path / "set", 4, 17019, form="elderly", personal_share=1.0,
                     printer=printer_that_fails)
    assert len(printed) == 2  # the first page was written before the second failed
    assert list(tmp_path.iterdir()) == []


def test_a_set_is_moved_into_an_empty_folder_whole(tmp_path: Path) -> None:
    made = generate_set(tmp_path, 1, 3, quality="clean")
    assert made.directory == tmp_path
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "batch.pdf", "batch.tif", "clinics.csv", "lots.csv", "page-0001.json",
        "page-0001.png", "residents.csv", "tickets.csv"]
    assert all(path.exists() for path in (*made.pages, made.batch_pdf, made.residents_csv))
    assert [path.name for path in tmp_path.parent.iterdir() if ".partial" in path.name] == []
