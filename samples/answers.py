"""What a filled form says for one resident: the ground truth of a generated page.

Answers hang together the way real ones do: the first-dose question matches the ticket, the
follow-up questions are left blank when their lead question is answered "no", a deferred
vaccination leaves the vaccination box empty.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ocr.checkdigits import insurer_check_digit, with_local_government_check_digit
from samples.clinics import CLINICS, DOCTORS
from samples.lots import lots_of
from samples.people import Resident, unique_digits
from samples.vaccines import VACCINES

MATSUDO_CODE = with_local_government_check_digit("12207")
COVID_SPAN = (date(2021, 2, 17), date(2023, 12, 28))
INFLUENZA_SPAN = (date(2023, 10, 1), date(2024, 1, 31))
COVID_VACCINES = sorted(name for name, known in VACCINES.items() if known.disease == "covid19")
"""The products a covid19 form may name, in name order (the draw below depends on it); each
only from its first_given day, since the ledger refuses others as misread."""
ROUTINE = {"child": ("dpt_ipv_hib", "pcv20", "mr", "hpv9"), "elderly": ("ppsv23", "zoster_rzv")}
"""The routine products each routine form offers, in the order its vaccine boxes print them."""
ROUTINE_SPAN = (date(2024, 10, 1), date(2025, 9, 30))
"""Children's and elderly doses are dated in this year, when every product the forms name
was routine (小児肺炎球菌 20価 from 2024-10-01)."""
ZOSTER_BIRTHS = (date(1960, 4, 2), date(1961, 4, 1))
"""Born in these days, a person reaches 65 in 年度 2025, the 帯状疱疹 programme's first year."""
FIRST_DOSE_AGE_DAYS = {"dpt_ipv_hib": (70, 200), "pcv20": (70, 200), "mr": (380, 700),
                       "hpv9": (13 * 365, 13 * 365 + 300),
                       "ppsv23": (65 * 365 + 20, 65 * 365 + 330)}
"""Days between birth and a first dose well inside the programme's ages (the schedule engine
judges every dose a form records: a generated dose is a valid routine dose)."""
CHILD_DOSE_ML = "0.2"
CHILD_AGE = 12
DEFER_RATE = 0.05
YES_RATE = 0.06


@dataclass(frozen=True)
class Ticket:
    """One issued 接種券 (a row of tickets.csv)."""

    ticket_number: str
    atena_number: str
    municipality_code: str
    ticket_kind: str
    ticket_dose: str


def issue_ticket(rng: random.Random, resident: Resident, taken: set[str]) -> Ticket:
    """A Matsudo ticket for the resident: kind 2 for children under 12, else 1."""
    age = (date(2023, 10, 1) - date.fromisoformat(resident.birth_date)).days // 365
    kind = "2" if age < CHILD_AGE else "1"
    return Ticket(unique_digits(rng, 10, taken), resident.atena_number, MATSUDO_CODE, kind,
                  str(rng.randint(1, 5)))


def _birthday(birth: date, years: int) -> date:
    """The day `years` after `birth`; one born on 29 February has it on the 28th in a
    common year (年齢計算ニ関スル法律: an age is reached at the end of the day before)."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return birth.replace(year=birth.year + years, day=28)


def _insurer_number(rng: random.Random) -> str:
    """A 後期高齢者医療 insurer's number (法別番号 39, a prefecture, an insurer) with its
    検証番号, as on the elderly's health insurance card."""
    first = f"39{rng.randint(1, 47):02d}{rng.randint(1, 999):03d}"
    return first + str(insurer_check_digit(first))


def _day_between(rng: random.Random, first: date, last: date) -> str:
    return (first + timedelta(days=rng.randint(0, max(0, (last - first).days)))).isoformat()


def _phone(rng: random.Random) -> str:
    area = rng.choice(("047", "047", "043", "080", "090", "070"))
    return f"{area}-{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}"


def _yes(rng: random.Random, rate: float = YES_RATE) -> str:
    return "yes" if rng.random() < rate else "no"


def _questions(rng: random.Random, first_dose: bool, female: bool) -> dict[str, str]:
    """q1..q12 of the covid19 form; q5 only when q4 (under treatment) is "yes"."""
    treated = _yes(rng, 0.25)
    answers = ["yes" if first_dose else "no", _yes(rng, 0.95), _yes(rng, 0.97), treated,
               ("yes" if rng.random() < 0.9 else "no") if treated == "yes" else "",
               _yes(rng), _yes(rng, 0.02), _yes(rng, 0.02), _yes(rng), _yes(rng),
               _yes(rng, 0.05) if female else "no", _yes(rng, 0.03)]
    return {f"q{index}": answer for index, answer in enumerate(answers, start=1)}


def _influenza_questions(rng: random.Random) -> dict[str, str]:
    """q1..q12 of the influenza form; q6 only when q5 (chronic illness) is "yes"."""
    chronic = _yes(rng, 0.4)
    answers = [_yes(rng, 0.95), _yes(rng, 0.3), _yes(rng), _yes(rng, 0.03), chronic,
               ("yes" if rng.random() < 0.9 else "no") if chronic == "yes" else "",
               _yes(rng, 0.02), _yes(rng), _yes(rng), _yes(rng, 0.04), _yes(rng, 0.02),
               _yes(rng)]
    return {f"q{index}": answer for index, answer in enumerate(answers, start=1)}


def _child_questions(rng: random.Random) -> dict[str, str]:
    """q1..q12 of the children's form; q9 only when q8 (a chronic illness) is "yes"."""
    chronic = _yes(rng, 0.05)
    answers = [_yes(rng, 0.97), _yes(rng, 0.04), _yes(rng, 0.03), _yes(rng, 0.02),
               _yes(rng, 0.15), _yes(rng, 0.03), _yes(rng, 0.2), chronic,
               ("yes" if rng.random() < 0.9 else "no") if chronic == "yes" else "",
               _yes(rng, 0.03), _yes(rng, 0.04), _yes(rng, 0.02)]
    return {f"q{index}": answer for index, answer in enumerate(answers, start=1)}


def _personal(rng: random.Random, resident: Resident) -> dict[str, str]:
    return {
        "name_kana": resident.name_kana,
        "name": resident.name,
        "birth_date": resident.birth_date,
        "sex": resident.sex,
        "address": resident.address,
        "phone": "" if rng.random() < 0.03 else _phone(rng),
        "body_temperature": str(rng.randint(355, 372)),
    }


def _vaccination(rng: random.Random, vaccine: str, dose_ml: str, day: str) -> dict[str, str]:
    """The doctor's box and the vaccination box; blank vaccination when deferred."""
    defer = rng.random() < DEFER_RATE
    doctor = rng.choice(DOCTORS)
    place, clinic = rng.choice(CLINICS)
    vaccinator = doctor if rng.random() < 0.8 else rng.choice(DOCTORS)
    return {
        "consent": "true" if rng.random() < 0.98 else "false",
        "signature": "true" if rng.random() < 0.96 else "false",
        "doctor_decision": "defer" if defer else "ok",
        "doctor_name": doctor,
        "vaccine": "" if defer else vaccine,
        "lot_number": "" if defer else rng.choice(lots_of(vaccine)),
        "dose_ml": "" if defer else dose_ml,
        "place": "" if defer else place,
        "clinic_code": clinic,
        "vaccination_date": "" if defer else day,
        "vaccinator_name": "" if defer else vaccinator,
    }


def covid19_values(rng: random.Random, resident: Resident, ticket: Ticket) -> dict[str, str]:
    """Every covid19 v2 key (see FormSpec.output_keys) as the truth JSON gives it."""
    birth = date.fromisoformat(resident.birth_date)
    earliest = max(COVID_SPAN[0], _birthday(birth, 5) + timedelta(days=1))
    day = _day_between(rng, earliest, COVID_SPAN[1])
    vaccine = rng.choice([name for name in COVID_VACCINES
                          if VACCINES[name].first_given <= date.fromisoformat(day)])
    dose_ml = CHILD_DOSE_ML if ticket.ticket_kind == "2" else VACCINES[vaccine].dose_ml
    if ticket.ticket_kind == "2":
        vaccine = "pfizer"
    values = {
        "ticket_line": (ticket.ticket_kind + ticket.ticket_dose + ticket.municipality_code
                        + ticket.ticket_number),
        "ticket_kind": ticket.ticket_kind,
        "ticket_dose": ticket.ticket_dose,
        "municipality_code": ticket.municipality_code,
        "ticket_number": ticket.ticket_number,
        **_personal(rng, resident),
        **_questions(rng, ticket.ticket_dose == "1", resident.sex == "F"),
    }
    vaccination = _vaccination(rng, vaccine, dose_ml, day)
    vaccination["dose_number"] = ticket.ticket_dose if vaccination["vaccine"] else ""
    return values | vaccination


def influenza_values(rng: random.Random, resident: Resident) -> dict[str, str]:
    """Every influenza v1 key as the truth JSON gives it."""
    values = {**_personal(rng, resident), "insurer_number": _insurer_number(rng),
              **_influenza_questions(rng)}
    day = _day_between(rng, *INFLUENZA_SPAN)
    return values | _vaccination(rng, "influenza", VACCINES["influenza"].dose_ml, day)


def _routine_dose(rng: random.Random, vaccine: str) -> tuple[str, date]:
    """The day of a first routine dose of `vaccine` and a birth date that makes it one."""
    if vaccine == "zoster_rzv":
        day = date.fromisoformat(_day_between(rng, date(2025, 4, 1), ROUTINE_SPAN[1]))
        return day.isoformat(), date.fromisoformat(_day_between(rng, *ZOSTER_BIRTHS))
    day = date.fromisoformat(_day_between(rng, *ROUTINE_SPAN))
    return day.isoformat(), day - timedelta(days=rng.randint(*FIRST_DOSE_AGE_DAYS[vaccine]))


def routine_values(rng: random.Random, resident: Resident, form_id: str,
                   vaccine: str | None = None) -> tuple[Resident, dict[str, str]]:
    """A child's or an elderly person's routine form: the first dose of one of the form's
    products, the resident's birth date (and, for HPV, sex) drawn to make it a valid routine
    dose; every key of the form as the truth JSON gives it."""
    vaccine = vaccine or rng.choice(ROUTINE[form_id])
    day, birth = _routine_dose(rng, vaccine)
    person = replace(resident, birth_date=birth.isoformat(),
                     sex="F" if vaccine == "hpv9" else resident.sex)
    questions = _child_questions(rng) if form_id == "child" else _influenza_questions(rng)
    values = {**_personal(rng, person), **questions}
    if form_id == "elderly":
        values["insurer_number"] = _insurer_number(rng)
    vaccination = _vaccination(rng, vaccine, VACCINES[vaccine].dose_ml, day)
    vaccination["dose_number"] = "1" if vaccination["vaccine"] else ""
    return person, values | vaccination
