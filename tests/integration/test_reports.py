"""The ledger's reports: claims per clinic, dose counts per age band, the residents due for a
dose, as JSON and CSV. Voided records and transfers stay out, and no My Number leaves.

The data lives in years (2012–2017) that no other test writes, and every list is narrowed
to this file's residents and clinics, so the suite's other records do not disturb it."""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.checks.validation import SEASONAL, VACCINES
from ledger.kit.calendar import fiscal_year
from ledger.kit.identifiers import my_number_check_digit
from ledger.records.service import Dose, record_dose, void_record
from ledger.reports.endpoints import router
from ledger.reports.service import (
    INTERVALS,
    ClaimRow,
    CountRow,
    DueRow,
    age_group,
    age_on,
    dose_counts,
    due_count,
    due_list,
    monthly_claims,
    write_csv,
)
from ledger.residents import my_number
from models import AuditEvent, Clinic, Resident, Role
from models.db import session_scope
from tests.inprocess import make_user

DUE_ON = date(2016, 6, 1)
FLU_ON = date(2016, 10, 1)
TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


@dataclass
class Town:
    """What the fixture wrote: atena numbers by key, the two clinics, every My Number."""

    atena: dict[str, str] = field(default_factory=dict)
    my_numbers: list[str] = field(default_factory=list)
    clinic_a: str = f"97{secrets.randbelow(10**8):08d}"
    clinic_b: str = f"98{secrets.randbelow(10**8):08d}"

    def keys(self, prefix: str) -> set[str]:
        return {atena for key, atena in self.atena.items() if key.startswith(prefix)}


def _my_number() -> str:
    first = f"{secrets.randbelow(10**11):011d}"
    return first + str(my_number_check_digit(first))


class _Writer:
    def __init__(self, session: Session, town: Town) -> None:
        self.session, self.town = session, town
        self.ids: dict[str, int] = {}

    def resident(self, key: str, born: date, sex: str = "F") -> None:
        number = _my_number()
        atena = f"RP-{key}-{secrets.token_hex(4)}"
        resident = Resident(atena_number=atena, my_number_hash=my_number.lookup_hash(number),
                            my_number_encrypted=my_number.encrypt(number), name=f"報告 {key}",
                            name_kana=f"ホウコク {key}", birth_date=born, sex=sex,
                            address="千葉県松戸市根本387-5")
        self.session.add(resident)
        self.session.flush()
        self.ids[key], self.town.atena[key] = resident.id, atena
        self.town.my_numbers.append(number)

    def dose(self, key: str, vaccine: str, number: int, when: date, clinic: str = "", *,
             source: str = "scan", void: bool = False) -> None:
        record = record_dose(self.session, Dose(self.ids[key], vaccine, number, when, "FJ5929",
                                                clinic), source=source, actor="test",
                             user_id=None, origin="122076" if source == "transfer" else "")
        if void:
            void_record(self.session, record, reason="別人の予診票", actor="test", user_id=None)


@pytest.fixture(scope="module")
def town(inprocess_db: Path) -> Town:
    town = Town()
    with session_scope() as session:
        session.add(Clinic(clinic_code=town.clinic_a, name="みどり内科クリニック", doctors=[]))
        w = _Writer(session, town)
        a, b = town.clinic_a, town.clinic_b
        # claims, 2012
        w.resident("c1", date(1980, 1, 1))
        w.resident("c2", date(1975, 3, 3), "M")
        w.resident("c3", date(1990, 7, 7))
        w.dose("c1", "pfizer", 1, date(2012, 5, 1), a)
        w.dose("c2", "pfizer", 1, date(2012, 5, 31), a)
        w.dose("c2", "pfizer", 2, date(2012, 6, 1), a)
        w.dose("c3", "pfizer", 1, date(2012, 5, 15), a, void=True)
        w.dose("c3", "moderna", 1, date(2012, 4, 30), b)
        w.dose("c1", "moderna", 1, date(2012, 5, 20), b)
        w.dose("c2", "moderna", 1, date(2012, 5, 21), b, source="transfer")
        w.dose("c1", "influenza", 2012, date(2012, 12, 31), a)
        # counts, 2013: birthdays either side of each band's edge, vaccinated 2013-06-15
        day = date(2013, 6, 15)
        for key, born, sex, vaccine in (
            ("k1", date(2008, 6, 16), "F", "pfizer"), ("k2", date(2008, 6, 15), "F", "pfizer"),
            ("k3", date(2001, 6, 15), "M", "pfizer"), ("k4", date(1993, 6, 16), "M", "pfizer"),
            ("k6", date(1948, 6, 16), "M", "moderna"), ("k7", date(1948, 6, 15), "M", "moderna"),
        ):
            w.resident(key, born, sex)
            w.dose(key, vaccine, 1, day)
        w.resident("k5", date(1993, 6, 15))
        w.dose("k5", "pfizer", 1, date(2012, 12, 1))
        w.dose("k5", "pfizer", 2, day)
        w.dose("k7", "influenza", 2013, date(2013, 11, 1))
        w.resident("k8", date(1940, 1, 1))
        w.dose("k8", "pfizer", 1, day, void=True)
        w.dose("k8", "moderna", 1, date(2014, 1, 1))
        w.dose("k8", "pfizer", 2, date(2013, 7, 1), source="transfer")
        w.resident("k9", date(1990, 1, 1))
        w.dose("k9", "daiichi", 1, date(2013, 1, 1))
        w.dose("k9", "daiichi", 2, date(2013, 12, 31))
        # due for pfizer on 2016-06-01 (90 days), all young enough to stay off the flu list
        for key, doses in (
            ("d1", [(1, 90)]), ("d2", [(1, 300), (2, 181)]), ("d3", [(1, 180)]),
            ("d4", [(1, 89)]), ("d5", [(1, 400), (2, 10)]), ("d6", [(1, 400)]),
        ):
            w.resident(key, date(1990, 4, 4))
            for number, days_before in doses:
                w.dose(key, "pfizer", number, DUE_ON - timedelta(days=days_before))
        w.dose("d6", "pfizer", 2, DUE_ON - timedelta(days=30), void=True)
        w.resident("d7", date(1990, 4, 4))
        w.dose("d7", "moderna", 1, DUE_ON - timedelta(days=400))
        # due for influenza on 2016-10-01: 65 on that day or older, no dose of 年度 2016
        w.resident("s1", date(1951, 10, 1), "M")
        w.dose("s1", "influenza", 2015, date(2015, 11, 1))
        w.resident("s2", date(1951, 10, 2))
        w.resident("s3", date(1940, 5, 5))
        w.dose("s3", "influenza", 2016, FLU_ON)
        w.resident("s4", date(1945, 1, 1))
        w.dose("s4", "influenza", 2016, FLU_ON, void=True)
        # 65 on 29 February 2016 or not
        w.resident("t1", date(1951, 2, 28))
        w.resident("t2", date(1951, 3, 1))
    return town


def _client(role: Role) -> TestClient:
    """The reports router on an app of its own, as it is not mounted in yoshin.app yet."""
    app = FastAPI()
    app.include_router(router)
    _, token = make_user(role)
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def _due(town: Town, vaccine: str, on: date, prefix: str) -> list[DueRow]:
    mine = town.keys(prefix)
    with session_scope() as session:
        return [row for row in due_list(session, vaccine, on) if row.atena_number in mine]


def test_every_vaccine_has_a_due_rule_and_the_bands_meet_at_their_edges() -> None:
    assert set(INTERVALS) | SEASONAL == set(VACCINES) and not set(INTERVALS) & SEASONAL
    assert [age_group(age) for age in (0, 4, 5, 11, 12, 19, 20, 64, 65, 104)] == [
        "0-4", "0-4", "5-11", "5-11", "12-19", "12-19", "20-64", "20-64", "65+", "65+"]
    assert age_on(date(2008, 6, 16), date(2013, 6, 15)) == 4
    assert age_on(date(2008, 6, 15), date(2013, 6, 15)) == 5
    assert (fiscal_year(date(2017, 3, 31)), fiscal_year(date(2017, 4, 1))) == (2016, 2017)


def test_claims_count_the_month_s_standing_doses_per_clinic(town: Town) -> None:
    def claims(year: int, month: int) -> list[ClaimRow]:
        with session_scope() as session:
            return [row for row in monthly_claims(session, year, month)
                    if row.clinic_code in (town.clinic_a, town.clinic_b)]

    # c3's voided pfizer dose and c2's transferred moderna dose are not claimed
    assert claims(2012, 5) == [ClaimRow(town.clinic_a, "みどり内科クリニック", "pfizer", 2),
                               ClaimRow(town.clinic_b, "", "moderna", 1)]
    assert claims(2012, 4) == [ClaimRow(town.clinic_b, "", "moderna", 1)]
    assert claims(2012, 6) == [ClaimRow(town.clinic_a, "みどり内科クリニック", "pfizer", 1)]
    assert claims(2012, 12) == [ClaimRow(town.clinic_a, "みどり内科クリニック", "influenza", 1)]
    assert claims(2012, 7) == []


def test_counts_by_vaccine_dose_age_band_and_sex(town: Town) -> None:
    with session_scope() as session:
        rows = dose_counts(session, date(2013, 1, 1), date(2013, 12, 31))
        assert rows == [
            CountRow("daiichi", 1, "20-64", "F", 1), CountRow("daiichi", 2, "20-64", "F", 1),
            CountRow("influenza", 2013, "65+", "M", 1),
            CountRow("moderna", 1, "20-64", "M", 1), CountRow("moderna", 1, "65+", "M", 1),
            CountRow("pfizer", 1, "0-4", "F", 1), CountRow("pfizer", 1, "5-11", "F", 1),
            CountRow("pfizer", 1, "12-19", "M", 2), CountRow("pfizer", 2, "20-64", "F", 1),
        ]
        assert dose_counts(session, date(2013, 6, 16), date(2013, 10, 31)) == []


def test_due_and_overdue_for_the_next_dose(town: Town) -> None:
    def at(days: int) -> date:
        return DUE_ON - timedelta(days=days)

    # d4's dose is a day short of due, d5's second dose is recent, d7 never had pfizer; d6's
    # voided second dose leaves the first as the latest; the most overdue come first
    assert [(row.atena_number, row.last_dose, row.last_date, row.status)
            for row in _due(town, "pfizer", DUE_ON, "d")] == [
        (town.atena["d6"], 1, at(400), "overdue"), (town.atena["d2"], 2, at(181), "overdue"),
        (town.atena["d3"], 1, at(180), "due"), (town.atena["d1"], 1, at(90), "due"),
    ]
    first = _due(town, "pfizer", DUE_ON, "d1")[0]
    assert (first.name, first.name_kana, first.birth_date, first.address) == (
        "報告 d1", "ホウコク d1", date(1990, 4, 4), "千葉県松戸市根本387-5")
    with session_scope() as session, pytest.raises(ValueError, match="unknown vaccine"):
        due_list(session, "bcg", DUE_ON)


def test_due_for_the_season_from_65_without_a_dose_this_fiscal_year(town: Town) -> None:
    def listed(on: date) -> list[tuple[str, int | None, date | None, str]]:
        return [(row.atena_number, row.last_dose, row.last_date, row.status)
                for row in _due(town, "influenza", on, "s")]

    s1 = (town.atena["s1"], 2015, date(2015, 11, 1), "due")
    s2 = (town.atena["s2"], None, None, "due")
    s4 = (town.atena["s4"], None, None, "due")
    # s2 is 64 on the day; s3 had this 年度's dose; s4's was voided
    assert listed(FLU_ON) == [s1, s4]
    assert listed(date(2016, 10, 2)) == [s1, s2, s4]
    assert listed(date(2017, 3, 31)) == [s1, s2, s4]
    assert listed(date(2017, 4, 1)) == [s1, s2, (town.atena["s3"], 2016, FLU_ON, "due"), s4]
    assert [row.atena_number for row in _due(town, "influenza", date(2016, 2, 29), "t")] \
        == [town.atena["t1"]]
    with session_scope() as session:
        assert due_count(session, "influenza", FLU_ON) >= 2
        assert due_count(session, "influenza", FLU_ON) == len(
            list(due_list(session, "influenza", FLU_ON)))


def test_write_csv_is_utf8_with_a_bom_and_blank_for_nothing() -> None:
    handle = io.BytesIO()
    rows = [DueRow("A1", "松戸 花子", "マツド ハナコ", date(1950, 1, 2), "松戸市", None, None,
                   "due")]
    assert write_csv(rows, ["atena_number", "name", "birth_date", "last_date"], handle) == 1
    assert handle.getvalue().startswith(b"\xef\xbb\xbf")
    assert handle.getvalue().decode("utf-8-sig") == (
        "atena_number,name,birth_date,last_date\r\nA1,松戸 花子,1950-01-02,\r\n")


def _csv(answer) -> list[dict[str, str]]:  # noqa: ANN001 - httpx.Response
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


def _no_my_number(town: Town, text: str) -> None:
    assert TWELVE_DIGITS.search(text) is None
    assert not any(number in text for number in town.my_numbers)


def test_reports_over_the_api_as_json_and_csv(town: Town) -> None:
    supervisor = _client(Role.SUPERVISOR)
    mine = {town.clinic_a, town.clinic_b}

    answer = supervisor.get("/api/reports/claims", params={"year": 2012, "month": 5})
    assert answer.status_code == 200, answer.text
    assert [row for row in answer.json()["rows"] if row["clinic_code"] in mine] == [
        {"clinic_code": town.clinic_a, "clinic_name": "みどり内科クリニック", "vaccine": "pfizer",
         "doses": 2},
        {"clinic_code": town.clinic_b, "clinic_name": "", "vaccine": "moderna", "doses": 1}]
    answer = supervisor.get("/api/reports/claims",
                            params={"year": 2012, "month": 5, "format": "csv"})
    assert answer.headers["content-disposition"] == 'attachment; filename="claims-2012-05.csv"'
    assert answer.content.decode("utf-8-sig").splitlines()[0] == \
        "clinic_code,clinic_name,vaccine,doses"
    assert [row for row in _csv(answer) if row["clinic_code"] in mine][0] == {
        "clinic_code": town.clinic_a, "clinic_name": "みどり内科クリニック", "vaccine": "pfizer",
        "doses": "2"}

    answer = supervisor.get("/api/reports/counts",
                            params={"start": "2013-01-01", "end": "2013-12-31", "format": "csv"})
    counts = _csv(answer)
    assert list(counts[0]) == ["vaccine", "dose_number", "age_group", "sex", "doses"]
    assert {"vaccine": "pfizer", "dose_number": "1", "age_group": "12-19", "sex": "M",
            "doses": "2"} in counts and len(counts) == 9

    answer = supervisor.get("/api/reports/due", params={"vaccine": "pfizer", "on": "2016-06-01"})
    assert answer.status_code == 200, answer.text
    assert [(row["atena_number"], row["status"]) for row in answer.json()["rows"]
            if row["atena_number"] in town.keys("d")][:2] == [
        (town.atena["d6"], "overdue"), (town.atena["d2"], "overdue")]
    _no_my_number(town, answer.text)

    for vaccine, on in (("pfizer", "2016-06-01"), ("influenza", "2017-04-01")):
        answer = supervisor.get("/api/reports/due",
                                params={"vaccine": vaccine, "on": on, "format": "csv"})
        assert answer.headers["content-disposition"] == \
            f'attachment; filename="due-{vaccine}-{on}.csv"'
        _no_my_number(town, answer.content.decode("utf-8-sig"))
        due = _csv(answer)
        assert list(due[0]) == ["atena_number", "name", "name_kana", "birth_date", "address",
                                "last_dose", "last_date", "status"]
    assert {"atena_number": town.atena["s3"], "name": "報告 s3", "name_kana": "ホウコク s3",
            "birth_date": "1940-05-05", "address": "千葉県松戸市根本387-5", "last_dose": "2016",
            "last_date": "2016-10-01", "status": "due"} in due
    assert town.atena["s4"] in {row["atena_number"] for row in due}

    with session_scope() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export")
                                .order_by(AuditEvent.id.desc()).limit(1)).one()
        assert event.actor.startswith("supervisor-") and event.subject == "report:due"
        assert event.detail == {"report": "due", "format": "csv", "rows": len(due),
                                "vaccine": "influenza", "on": "2017-04-01"}
        views = session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "report.view", AuditEvent.actor == event.actor)).all()
        assert [view["report"] for view in views] == ["claims", "due"]


def test_bad_parameters_are_refused_with_a_reason(town: Town) -> None:
    supervisor = _client(Role.SUPERVISOR)
    answer = supervisor.get("/api/reports/due", params={"vaccine": "bcg"})
    assert answer.status_code == 422
    assert answer.json()["detail"] == \
        "unknown vaccine 'bcg': one of pfizer, moderna, daiichi, influenza"
    answer = supervisor.get("/api/reports/claims", params={"year": 2012, "month": 13})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "month"]
    answer = supervisor.get("/api/reports/counts", params={"start": "2013-02-01",
                                                           "end": "2013-01-31"})
    assert answer.status_code == 422
    assert answer.json()["detail"] == "start 2013-02-01 is after end 2013-01-31"
    answer = supervisor.get("/api/reports/claims",
                            params={"year": 2012, "month": 5, "format": "xlsx"})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "format"]


def test_a_reviewer_may_not_see_reports(town: Town) -> None:
    reviewer = _client(Role.REVIEWER)
    for path, params in (("claims", {"year": 2012, "month": 5}),
                         ("counts", {"start": "2013-01-01", "end": "2013-12-31"}),
                         ("due", {"vaccine": "pfizer", "format": "csv"})):
        answer = reviewer.get(f"/api/reports/{path}", params=params)
        assert answer.status_code == 403, path
    with session_scope() as session:
        assert session.scalars(select(AuditEvent).where(
            AuditEvent.actor.startswith("reviewer-"),
            AuditEvent.action.startswith("report."))).first() is None


def test_residents_who_moved_out_or_died_are_not_reminded(town: Town) -> None:
    with session_scope() as session:
        w = _Writer(session, town)
        for key, moved, died in (("m1", date(2016, 5, 1), None), ("m2", None, date(2016, 1, 2)),
                                 ("m3", date(2016, 7, 1), None)):
            w.resident(key, date(1960, 1, 1))
            w.dose(key, "pfizer", 1, DUE_ON - timedelta(days=100))
            resident = session.get(Resident, w.ids[key])
            resident.moved_out_on, resident.died_on = moved, died
    assert [row.atena_number for row in _due(town, "pfizer", DUE_ON, "m")] == [town.atena["m3"]]
