"""The rules a form's values must meet before they may reach the ledger, whoever supplied
them (the reader, a reviewer or a clinic). Problems are worded for the reviewer who fixes them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date

from ledger.kit.identifiers import is_valid_insurer_number, is_valid_local_government_code
from ledger.kit.vaccines import LABELS as VACCINES
from ledger.kit.vaccines import SEASONAL
from models.clock import city_today

RECORD_KEYS = ("vaccine", "vaccination_date", "lot_number")

LOT_NUMBER = re.compile(r"[A-Z0-9]{4,12}")
"""The shape of a ロット番号 wherever it comes from (a form, a correction, another city)."""
CLINIC_CODE = re.compile(r"[0-9]{10}")
"""The shape of a 医療機関コード: ten ASCII digits (str.isdigit would let full-width and
superscript digits through)."""


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _digits(count: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        return "" if len(value) == count and value.isdigit() else f"{count}桁の数字ではありません"

    return check


def _past_date(value: str) -> str:
    day = parse_date(value)
    if day is None:
        return "日付として正しくありません"
    return "未来の日付です" if day > city_today() else ""


def _millilitres(value: str) -> str:
    try:
        amount = float(value)
    except ValueError:
        return "接種量が読めません"
    return "" if 0.05 <= amount <= 1.0 else "接種量が範囲外です"


def _temperature(value: str) -> str:
    if not (len(value) == 3 and value.isdigit()) or not 340 <= int(value) <= 420:
        return "体温として読めません"
    return "37.5℃以上のため接種できません" if int(value) >= 375 else ""


RULES: dict[str, Callable[[str], str]] = {
    "municipality_code": lambda v: "" if is_valid_local_government_code(v)
    else "市町村コードの検査数字が合いません",
    "ticket_number": _digits(10),
    "ticket_kind": _digits(1),
    "ticket_dose": _digits(1),
    "insurer_number": lambda v: "" if is_valid_insurer_number(v)
    else "保険者番号の検証番号が合いません",
    "dose_ml": _millilitres,
    "clinic_code": lambda v: "" if CLINIC_CODE.fullmatch(v) else "10桁の数字ではありません",
    "name": lambda v: "" if v.strip() else "氏名がありません",
    "name_kana": lambda v: "" if v.strip() else "フリガナがありません",
    "birth_date": _past_date,
    "vaccination_date": _past_date,
    "sex": lambda v: "" if v in ("M", "F") else "性別が選ばれていません",
    "body_temperature": _temperature,
    "consent": lambda v: "" if v == "true" else "接種希望の確認がありません",
    "signature": lambda v: "" if v == "true" else "本人の署名がありません",
    "doctor_decision": lambda v: "" if v == "ok" else (
        "医師が接種を見合わせました（台帳には登録できません）" if v == "defer"
        else "医師が接種可と判断していません"),
    "vaccine": lambda v: "" if v in VACCINES else "ワクチンが選ばれていません",
    "dose_number": lambda v: "" if v.isdigit() and 1 <= int(v) <= 9
    else "接種回数が正しくありません",
    "lot_number": lambda v: "" if LOT_NUMBER.fullmatch(v) else "ロット番号の形式ではありません",
}


def _answer(value: str) -> str:
    """A question may be left blank (some apply only after a 'yes' above, and the doctor
    asks at the clinic); anything else than yes, no or blank is a misreading."""
    return "" if value in ("yes", "no", "") else "はい・いいえ以外の値です"


VACCINATION_BOX = frozenset({"vaccine", "lot_number", "dose_ml", "dose_number", "place",
                             "clinic_code", "vaccination_date", "vaccinator_name"})
"""Filled in only when the vaccination was given; blank on a form the doctor deferred."""


def validate(values: Mapping[str, str]) -> dict[str, str]:
    """Problems by field key; an empty dict means every value can be trusted as it stands.

    On a form where the doctor deferred the vaccination the only problem is that decision
    (such a form never becomes a record); its vaccination box is left blank, as it should
    be, and is not reported field by field."""
    problems: dict[str, str] = {}
    deferred = values.get("doctor_decision") == "defer"
    for key, value in values.items():
        if deferred and key in VACCINATION_BOX and not value.strip():
            continue
        rule = RULES.get(key) or (_answer if re.fullmatch(r"q\d+", key) else None)
        if rule and (problem := rule(value)):
            problems[key] = problem
    born, given = parse_date(values.get("birth_date", "")), parse_date(
        values.get("vaccination_date", "")
    )
    if born and given and given < born and "vaccination_date" not in problems:
        problems["vaccination_date"] = "生年月日より前の日付です"
    return problems


CORRECTED_FIELDS: dict[str, str] = {
    "vaccinated_on": "vaccination_date", "lot_number": "lot_number", "clinic_code": "clinic_code",
}
"""A ledger record's correctable columns and the form fields whose rules they must meet."""


def correction_values(vaccine: str, dose_number: int, changes: Mapping[str, object]
                      ) -> dict[str, str]:
    """A supervisor's correction as the form values it stands for, with the record's vaccine
    and dose beside them (the lot master, the vaccine's first day and the order of doses
    depend on them), so that a correction passes the same rules (`validate`) and record
    checks as a form's values."""
    values = {"vaccine": vaccine}
    if vaccine not in SEASONAL:  # a seasonal record's dose is its 年度, not a form's count
        values["dose_number"] = str(dose_number)
    for column, value in changes.items():
        if column in CORRECTED_FIELDS:
            text = value.isoformat() if isinstance(value, date) else str(value)
            values[CORRECTED_FIELDS[column]] = text
    return values
