"""What the city's records refute on a form that passes its own rules: a clinic code outside
the clinic master, a doctor the clinic does not list, a birth date or sex other than the
matched resident's, a vaccination date before the vaccine was given in Japan or out of order
with the person's earlier doses."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from ledger.checks.record_checks import record_problems
from ledger.records.service import Dose, record_dose
from models import Clinic, Resident
from models.db import session_scope
from samples.sets import SETS_DIR
from yoshin.city import load_city

SET = SETS_DIR / "mixed-30"


def _newcomer(session, atena: str) -> Resident:  # noqa: ANN001
    """A resident of this test alone: the in-process database is shared, and other tests
    record doses for the register's residents."""
    resident = Resident(atena_number=atena, name="試験 太郎", name_kana="シケン タロウ",
                        birth_date=date(1980, 4, 1), sex="M", address="千葉県松戸市根本387番地の5")
    session.add(resident)
    session.flush()
    return resident


def _form(session, resident: Resident) -> dict[str, str]:  # noqa: ANN001
    clinic = session.scalars(select(Clinic)).first()
    return {"birth_date": resident.birth_date.isoformat(), "sex": resident.sex,
            "clinic_code": clinic.clinic_code, "vaccine": "moderna", "dose_number": "3",
            "vaccination_date": "2022-06-01", "doctor_name": clinic.doctors[0],
            "vaccinator_name": clinic.doctors[-1].replace(" ", "")}


def test_a_clean_form_has_no_problem_and_each_misreading_has_one(inprocess_db: Path) -> None:
    load_city(SET, actor="test")
    with session_scope() as session:
        resident = _newcomer(session, "T-CHECKS-1")
        form = _form(session, resident)
        assert record_problems(session, form, resident.id) == {}

        code = form["clinic_code"]
        misread = code[:-1] + str((int(code[-1]) + 1) % 10)
        assert "clinic_code" in record_problems(session, {**form, "clinic_code": misread},
                                                resident.id)
        older = (resident.birth_date - timedelta(days=1)).isoformat()
        assert "birth_date" in record_problems(session, {**form, "birth_date": older},
                                               resident.id)
        assert "birth_date" not in record_problems(session, {**form, "birth_date": older}, None)
        other = "F" if resident.sex == "M" else "M"
        assert "sex" in record_problems(session, {**form, "sex": other}, resident.id)
        short = form["doctor_name"].replace(" ", "")[1:]
        found = record_problems(session, {**form, "doctor_name": short}, resident.id)
        assert set(found) == {"doctor_name"}
        assert "vaccinator_name" in record_problems(
            session, {**form, "vaccinator_name": "全く別の人"}, resident.id)
        session.rollback()


def test_a_vaccination_date_before_the_vaccine_was_given_is_refused(inprocess_db: Path) -> None:
    with session_scope() as session:
        # Spikevax was first given on 2021-05-24: the day before is a misread date.
        early = {"vaccine": "moderna", "vaccination_date": "2021-05-23"}
        assert "vaccination_date" in record_problems(session, early, None)
        assert record_problems(session, {**early, "vaccination_date": "2021-05-24"}, None) == {}


def test_a_dose_must_follow_the_earlier_doses_of_its_disease(inprocess_db: Path) -> None:
    load_city(SET, actor="test")
    with session_scope() as session:
        resident = _newcomer(session, "T-CHECKS-2")
        record_dose(session, Dose(resident.id, "pfizer", 2, date(2022, 3, 1), "FA1234"),
                    source="scan", actor="test", user_id=None)
        session.flush()
        form = {"vaccine": "moderna", "dose_number": "3"}

        def problem(day: str, dose: str = "3") -> str:
            found = record_problems(session, {**form, "vaccination_date": day,
                                              "dose_number": dose}, resident.id)
            return found.get("vaccination_date", "")

        assert problem("2022-03-02") == ""
        assert "2回目" in problem("2022-02-28")  # dose 3 before dose 2 (another product)
        assert "同じ日付" in problem("2022-03-01")
        assert "2回目" in problem("2022-03-05", dose="1")  # dose 1 after dose 2
        session.rollback()
