from __future__ import annotations

import pytest
from pydantic import ValidationError

from ocr import FieldSpec, FormSpec
from ocr.qrpayload import parse_qr_payload


def test_covid19_map_has_the_fields_in_form_order(forms: dict[str, FormSpec]) -> None:
    spec = forms["covid19"]
    keys = [field.key for field in spec.fields]
    assert keys == [
        "municipality_code", "ticket_number", "name_kana", "name", "birth_date", "sex",
        "address", "phone", "body_temperature", "q1", "q2", "q3", "q4", "q5", "q6", "consent",
        "doctor_decision", "vaccine", "lot_number", "dose_number", "vaccination_date",
        "clinic_code",
    ]
    assert spec.qr_payload == "YOSHIN:covid19:1"
    assert spec.page_mm == (210.0, 297.0)
    assert [o.value for o in spec.field("vaccine").options] == ["pfizer", "moderna", "daiichi"]


def test_every_box_lies_on_the_page(forms: dict[str, FormSpec]) -> None:
    spec = forms["covid19"]
    width, height = spec.page_mm
    boxes = [field.box for field in spec.fields]
    boxes += [option.box for field in spec.fields for option in field.options]
    for x, y, w, h in boxes:
        assert 0 <= x < x + w <= width and 0 <= y < y + h <= height


def test_a_field_missing_its_type_attributes_is_refused() -> None:
    with pytest.raises(ValidationError, match="digits field needs chars"):
        FieldSpec(key="k", label="l", type="digits", box=(0, 0, 1, 1))


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("YOSHIN:covid19:1", ("covid19", 1)), ("YOSHIN:covid19:x", None), ("hello", None),
     ("OTHER:covid19:1", None)],
)
def test_qr_payloads(text: str, parsed: tuple[str, int] | None) -> None:
    assert parse_qr_payload(text) == parsed
