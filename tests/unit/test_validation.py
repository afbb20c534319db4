"""The rules a page's values must pass before the ledger takes them."""

from __future__ import annotations

from ledger.checks.validation import validate

GIVEN = {"doctor_decision": "ok", "vaccine": "pfizer", "lot_number": "FJ5929",
         "dose_ml": "0.3", "dose_number": "3", "vaccination_date": "2024-01-19",
         "birth_date": "1950-04-01"}


def test_a_complete_vaccination_passes() -> None:
    assert validate(GIVEN) == {}


def test_a_deferred_form_reports_only_the_decision() -> None:
    deferred = {**GIVEN, "doctor_decision": "defer", "vaccine": "", "lot_number": "",
                "dose_ml": "", "dose_number": "", "vaccination_date": ""}
    assert set(validate(deferred)) == {"doctor_decision"}
    assert "見合わせ" in validate(deferred)["doctor_decision"]


def test_a_deferred_form_with_a_vaccination_filled_in_is_still_checked() -> None:
    odd = {**GIVEN, "doctor_decision": "defer", "lot_number": "??"}
    assert set(validate(odd)) == {"doctor_decision", "lot_number"}


def test_blank_vaccination_box_without_a_decision_is_reported() -> None:
    blank = {**GIVEN, "doctor_decision": "", "vaccine": "", "vaccination_date": ""}
    assert {"doctor_decision", "vaccine", "vaccination_date"} <= set(validate(blank))


def test_vaccinated_before_birth_is_refused() -> None:
    assert "vaccination_date" in validate({**GIVEN, "vaccination_date": "1949-01-01"})


def test_an_insurer_number_must_carry_its_check_digit() -> None:
    from ocr.checkdigits import insurer_check_digit

    # 全国健康保険協会 東京支部 and 大阪支部, as printed on their members' cards.
    assert insurer_check_digit("0113001") == 2 and insurer_check_digit("0127001") == 6
    number = "01130012"
    assert validate({"insurer_number": number}) == {}
    for index in range(8):
        misread = number[:index] + str((int(number[index]) + 3) % 10) + number[index + 1:]
        assert "insurer_number" in validate({"insurer_number": misread}), misread
    assert "insurer_number" in validate({"insurer_number": "3912201"})
