from __future__ import annotations

import pytest
from pydantic import ValidationError

from ocr import FieldSpec, FormSpec
from ocr.qrpayload import parse_qr_payload


def test_covid19_map_has_the_fields_in_form_order(forms: dict[str, FormSpec]) -> None:
    spec = forms["covid19"]
    assert list(spec.output_keys) == [
        "ticket_line", "ticket_kind", "ticket_dose", "municipality_code", "ticket_number",
        "name_kana", "name", "birth_date", "sex", "address", "phone", "body_temperature",
        *(f"q{n}" for n in range(1, 13)), "consent", "signature", "doctor_decision",
        "doctor_name", "vaccine", "lot_number", "dose_ml", "dose_number", "place", "clinic_code",
        "vaccination_date", "vaccinator_name",
    ]
    assert spec.qr_payload == "YOSHIN:covid19:4"
    assert spec.page_mm == (210.0, 297.0)
    assert [o.value for o in spec.field("vaccine").options] == ["pfizer", "moderna", "daiichi"]


def test_the_ticket_line_splits_into_its_four_keys(forms: dict[str, FormSpec]) -> None:
    line = forms["covid19"].field("ticket_line")
    assert line.split_value("141220765511681647") == {
        "ticket_kind": "1", "ticket_dose": "4", "municipality_code": "122076",
        "ticket_number": "5511681647"}
    assert set(line.split_value("14122076").values()) == {""}


def test_influenza_keys_mean_what_covid19_keys_mean(forms: dict[str, FormSpec]) -> None:
    covid, influenza = forms["covid19"], forms["influenza"]
    assert "ticket_line" not in influenza.output_keys
    assert set(influenza.output_keys) - set(covid.output_keys) == {"insurer_number"}
    assert [o.value for o in influenza.field("vaccine").options] == ["influenza"]


@pytest.mark.parametrize("form_id", ["covid19", "influenza"])
def test_every_box_lies_on_the_page(forms: dict[str, FormSpec], form_id: str) -> None:
    spec = forms[form_id]
    width, height = spec.page_mm
    boxes = [field.box for field in spec.fields]
    boxes += [option.box for field in spec.fields for option in field.options]
    for x, y, w, h in boxes:
        assert 0 <= x < x + w <= width and 0 <= y < y + h <= height


@pytest.mark.parametrize("form_id", ["covid19", "influenza", "child", "elderly"])
def test_only_the_questionnaire_waits_until_after_the_commit(
        forms: dict[str, FormSpec], form_id: str) -> None:
    """What the ledger record is made of must never be let through doubtful."""
    record = {"name", "name_kana", "birth_date", "sex", "address", "ticket_line",
              "doctor_decision", "doctor_name", "vaccine", "lot_number", "dose_ml",
              "dose_number", "clinic_code", "vaccination_date", "vaccinator_name"}
    later = set(forms[form_id].after_commit)
    assert later and not later & record
    assert {key for key in forms[form_id].output_keys if key.startswith("q")} <= later


def test_an_after_commit_key_the_form_lacks_is_refused(forms: dict[str, FormSpec]) -> None:
    spec = forms["child"].model_dump()
    with pytest.raises(ValidationError, match="after_commit names no field"):
        FormSpec.model_validate({**spec, "after_commit": ["q1", "shoe_size"]})


def test_a_form_names_the_vaccines_it_offers_to_tick(forms: dict[str, FormSpec]) -> None:
    """What a personal form's serial may confirm of the vaccine (ledger.checks.serials)."""
    assert forms["child"].vaccines == ("dpt_ipv_hib", "pcv20", "mr", "hpv9")
    assert forms["covid19"].vaccines == ("pfizer", "moderna", "daiichi")
    without = forms["child"].model_copy(update={
        "fields": tuple(f for f in forms["child"].fields if f.key != "vaccine")})
    assert without.vaccines == ()


def test_a_field_missing_its_type_attributes_is_refused() -> None:
    with pytest.raises(ValidationError, match="digits field needs chars"):
        FieldSpec(key="k", label="l", type="digits", box=(0, 0, 1, 1))


def test_only_a_date_knows_a_century_and_it_is_two_digits(forms: dict[str, FormSpec]) -> None:
    """Every form's vaccination date is in the 2000s; a birth date is not."""
    for spec in forms.values():
        assert (spec.field("vaccination_date").century, spec.field("birth_date").century) == (
            "20", None)
    with pytest.raises(ValidationError, match="century needs a date field"):
        FieldSpec(key="k", label="l", type="digits", box=(0, 0, 1, 1), chars=4, century="20")
    date = forms["child"].field("vaccination_date")
    with pytest.raises(ValidationError, match="two digits"):
        FieldSpec(**{**date.model_dump(), "century": "2"})


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("YOSHIN:covid19:1", ("covid19", 1)), ("YOSHIN:covid19:x", None), ("hello", None),
     ("OTHER:covid19:1", None), ("YOSHIN:child:1:2VOC6JOU6SAFXEWE", ("child", 1)),
     ("YOSHIN:child:1:short", None), ("YOSHIN:child:1:2VOC6JOU6SAFXEWE:more", None)],
)
def test_qr_payloads(text: str, parsed: tuple[str, int] | None) -> None:
    assert parse_qr_payload(text) == parsed
