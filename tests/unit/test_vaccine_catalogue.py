"""One vaccine catalogue (ledger/kit/vaccines.json): the ledger's view, the generator's view
and the printed forms all say what it says, and what people see of it has not moved."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ledger.kit import vaccines as kit
from ocr.fieldmap import load_forms
from samples.blank_form import FORMS_DIR
from samples.lots import LOTS, MANUFACTURERS
from samples.vaccines import CATALOGUE_FILE, VACCINES, load_vaccines

SHOWN = {
    "pfizer": kit.Vaccine("新型コロナウイルスワクチン", "COVID-19 vaccine (mRNA)", "Comirnaty",
                          "ファイザー株式会社", "Pfizer/BioNTech", "208", ("208",), "covid19",
                          date(2021, 2, 17), "ファイザー", False, "0.3",
                          False, "IM", "B", "実費徴収", 1, ()),
    "moderna": kit.Vaccine("新型コロナウイルスワクチン", "COVID-19 vaccine (mRNA)", "Spikevax",
                           "モデルナ・ジャパン株式会社", "Moderna", "207", ("207",), "covid19",
                           date(2021, 5, 24), "モデルナ", False, "0.5",
                           False, "IM", "B", "実費徴収", 1, ()),
    "daiichi": kit.Vaccine("新型コロナウイルスワクチン", "COVID-19 vaccine (mRNA)", "Daichirona",
                           "第一三共株式会社", "Daiichi Sankyo", "213", (), "covid19",
                           date(2023, 12, 4), "第一三共", False, "0.6",
                           False, "IM", "B", "実費徴収", 1, ()),
    "influenza": kit.Vaccine("インフルエンザHAワクチン", "Influenza vaccine (HA)", "Influenza HA",
                             "", "", "88", ("88", "141", "150", "158", "161"), "influenza",
                             date(2001, 11, 7), "インフルエンザHA",
                             True, "0.5", False, "SC", "B", "実費徴収", 1,
                             (kit.Volume("0.5"),)),
}
"""The catalogue as certificates, screens, reports and generated forms showed it before it
became one file: a change here is a change people see, so it must be made on purpose."""


def test_the_catalogue_says_what_people_saw() -> None:
    assert {name: kit.CATALOG[name] for name in SHOWN} == SHOWN
    assert list(kit.CATALOG)[:4] == ["pfizer", "moderna", "daiichi", "influenza"]
    assert {name: kit.LABELS[name] for name in SHOWN} == {
        "pfizer": "ファイザー", "moderna": "モデルナ", "daiichi": "第一三共",
        "influenza": "インフルエンザHA"}


def test_every_product_belongs_to_one_routine_programme_and_back() -> None:
    """The products (vaccines.json) and the programmes (ledger/schedule/series.json) name
    each other: a product no programme lists could never be judged a routine dose."""
    from ledger.schedule.rules import schedule

    listed = [product for series in schedule().series for product in series.products]
    assert sorted(listed) == sorted(kit.CATALOG)
    for series in schedule().series:
        assert {kit.CATALOG[product].disease for product in series.products} == {series.id}
        assert {kit.CATALOG[product].class_ for product in series.products} == {series.class_}
    assert kit.SEASONAL == frozenset({"influenza"})


def test_the_generator_reads_the_ledgers_file() -> None:
    assert CATALOGUE_FILE.resolve() == kit.CATALOGUE_FILE.resolve()
    assert list(VACCINES) == list(kit.CATALOG)
    for name, form in VACCINES.items():
        known = kit.CATALOG[name]
        assert (form.disease, form.manufacturer_ja, form.dose_ml, form.first_given) == \
            (known.disease, known.manufacturer_ja, known.dose_ml, known.first_given)


def test_every_lot_is_of_a_catalogue_vaccine_and_single_makers_match() -> None:
    printed = {option.value for spec in load_forms(FORMS_DIR).values() for field in spec.fields
               if field.key == "vaccine" for option in field.options}
    assert printed <= {lot.vaccine for lot in LOTS} <= set(kit.CATALOG)
    assert {name: MANUFACTURERS[name] for name in ("pfizer", "moderna", "daiichi")} == {
        "pfizer": "ファイザー株式会社", "moderna": "モデルナ・ジャパン株式会社",
        "daiichi": "第一三共株式会社"}
    for lot in LOTS:
        if kit.CATALOG[lot.vaccine].manufacturer_ja:
            assert lot.manufacturer == kit.CATALOG[lot.vaccine].manufacturer_ja


def test_the_printed_forms_offer_the_catalogues_vaccines() -> None:
    """The field maps are the paper and stay as printed; their vaccine boxes must name
    catalogue vaccines, labelled with their short or full name: the COVID-19 and influenza
    forms every product of their disease, the routine forms the products the generator
    writes them for."""
    from samples.answers import ROUTINE

    forms = load_forms(FORMS_DIR)
    assert sorted(forms) == ["child", "covid19", "elderly", "influenza"]
    for form_id, spec in forms.items():
        options = next(field.options for field in spec.fields if field.key == "vaccine")
        expected = list(ROUTINE[form_id]) if form_id in ROUTINE else [
            name for name, known in kit.CATALOG.items() if known.disease == form_id]
        assert [o.value for o in options] == expected
        for option in options:
            known = kit.CATALOG[option.value]
            assert option.label in (known.label_ja, known.name_ja)


def test_the_ledgers_remaining_lists_agree_with_the_catalogue() -> None:
    """Copies the ledger still keeps outside ledger/kit until they import the catalogue."""
    from ledger.checks import validation

    assert validation.VACCINES == kit.LABELS and validation.SEASONAL == kit.SEASONAL


def test_a_clinic_form_names_a_vaccine_by_its_own_cvx_or_a_variant_never_an_unspecified_one(
) -> None:
    assert {code: kit.BY_CVX.get(code) for code in ("208", "207", "88", "158", "213")} == {
        "208": "pfizer", "207": "moderna", "88": "influenza", "158": "influenza", "213": None}
    assert all(kit.BY_CVX[known.cvx] == name for name, known in kit.CATALOG.items()
               if known.cvx_in)


def _write(tmp_path: Path, change: dict[str, object]) -> Path:
    entries = json.loads(kit.CATALOGUE_FILE.read_text(encoding="utf-8"))
    entries["pfizer"] |= change
    path = tmp_path / "vaccines.json"
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("change", [{"seasonal": "yes"}, {"volumes": "0.3"},
                                    {"cvx": 208}, {"seasonal": "no"},
                                    {"cvx_in": "208"}, {"route": "nasal"}, {"fee": "無料"},
                                    {"antigens": 0},
                                    {"live": "no"}])
def test_a_slip_in_the_file_fails_at_load(tmp_path: Path, change: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        kit.load_catalogue(_write(tmp_path, change))


def test_both_loaders_read_a_changed_file_alike(tmp_path: Path) -> None:
    path = _write(tmp_path, {"dose_ml": "0.25", "first_given": "2021-03-01"})
    ledger, forms = kit.load_catalogue(path)["pfizer"], load_vaccines(path)["pfizer"]
    assert (ledger.dose_ml, ledger.first_given) == (forms.dose_ml, forms.first_given) == \
        ("0.25", date(2021, 3, 1))
