"""What a filled covid19 form says for one resident: the ground truth of a generated page."""

from __future__ import annotations

import random
from datetime import date, timedelta

from ocr.checkdigits import with_local_government_check_digit
from samples.people import Resident

MATSUDO_CODE = with_local_government_check_digit("12207")
LOTS = {
    "pfizer": ("FF5357", "FH0151", "FJ5929", "EY0779"),
    "moderna": ("3003412", "3005236", "000091A"),
    "daiichi": ("TD0001", "TD0013", "TD0020"),
}
"""Lot numbers in the style printed on real vials (not real lots)."""
CLINIC_CODES = ("1212345678", "1210987654", "1214400217")
FIRST_VACCINATION = date(2021, 2, 17)
LAST_VACCINATION = date(2023, 12, 28)
DEFER_RATE = 0.05
YES_RATE = 0.1


def _vaccination_date(rng: random.Random) -> str:
    span = (LAST_VACCINATION - FIRST_VACCINATION).days
    return (FIRST_VACCINATION + timedelta(days=rng.randint(0, span))).isoformat()


def _phone(rng: random.Random) -> str:
    area = rng.choice(("047", "043", "080", "090", "070"))
    return f"{area}-{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}"


def form_values(rng: random.Random, resident: Resident) -> dict[str, str]:
    """Every covid19 v1 field as the truth JSON gives it.

    A deferred vaccination (見合わせ) leaves the vaccine, lot, dose and date blank, as a doctor
    would; those values are then "".
    """
    defer = rng.random() < DEFER_RATE
    vaccine = rng.choice(sorted(LOTS))
    values = {
        "municipality_code": MATSUDO_CODE,
        "ticket_number": resident.ticket_number,
        "name_kana": resident.name_kana,
        "name": resident.name,
        "birth_date": resident.birth_date,
        "sex": resident.sex,
        "address": resident.address,
        "phone": _phone(rng),
        "body_temperature": str(rng.randint(355, 372)),
    }
    for index in range(1, 7):
        values[f"q{index}"] = "yes" if rng.random() < YES_RATE else "no"
    values.update(
        {
            "consent": "1",
            "doctor_decision": "defer" if defer else "ok",
            "vaccine": "" if defer else vaccine,
            "lot_number": "" if defer else rng.choice(LOTS[vaccine]),
            "dose_number": "" if defer else str(rng.randint(1, 3)),
            "vaccination_date": "" if defer else _vaccination_date(rng),
            "clinic_code": rng.choice(CLINIC_CODES),
        }
    )
    return values
