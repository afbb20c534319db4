"""The ledger's reports: claims per clinic, dose counts per age band, the residents due for a
programme's next dose and the statutory count (both from the schedule engine), as JSON and
CSV. Voided records and transfers stay out, and no My Number leaves.

The data lives in years (2012–2017) that no other test writes, and every list is narrowed
to this file's residents and clinics, so the suite's other records do not disturb it."""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.kit.calendar import fiscal_year
from ledger.kit.identifiers import my_number_check_digit
from ledger.records.service import Dose, record_dose, void_record
from ledger.reports.endpoints import router
from ledger.reports.programmes import (
    DueRow,
    StatutoryRow,
    UnknownProgramme,
    due_list,
    statutory_counts,
)
from ledger.reports.service import (
    ClaimRow,
    CountRow,
    age_group,
    age_on,
    dose_counts,
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

    def resident(self, key: str, born: date, sex: str = "F", moved_out: date | None = None
                 ) -> None:
        number = _my_number()
        atena = f"RP-{key}-{secrets.token_hex(4)}"
        resident = Resident(atena_number=atena, my_number_hash=my_number.lookup_hash(number),
                            my_number_encrypted=my_number.encrypt(number), name=f"報告 {key}",
                            name_kana=f"ホウコク {key}", birth_date=born, sex=sex,
                            address="千葉県松戸市根本387-5", moved_out_on=moved_out)
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
        # due for MR and 水痘 on 2016-06-01 (MR 1期 from 12 months, 水痘 2nd 3 months after
        # the 1st, recommended 6-12 months after, until 36 months)
        w.resident("d1", date(2015, 3, 10))  # MR 1期 2016-03-09..2017-03-09, none yet
        w.resident("d2", date(2015, 3, 10))  # MR 1期 done: next is 2期 in 2020
        w.dose("d2", "mr", 1, date(2016, 3, 20))
        w.resident("d3", date(2015, 1, 15))  # 水痘 2nd from 2016-04-14, recommended from 07-14
        w.dose("d3", "varicella", 1, date(2016, 1, 14))
        w.resident("d4", date(2014, 1, 15))  # 水痘 2nd recommended until 2016-01-14: overdue
        w.dose("d4", "varicella", 1, date(2015, 1, 14))
        w.resident("d5", date(2013, 1, 15))  # past 36 months
        w.resident("d6", date(2015, 1, 15))  # 2nd not before 2016-08-20
        w.dose("d6", "varicella", 1, date(2016, 5, 20))
        w.resident("d7", date(2015, 3, 10), moved_out=date(2016, 5, 1))
        # the statutory count of 年度 2015: a 水痘 dose a day too young, an MR transfer
        w.resident("v1", date(2015, 1, 15))
        w.dose("v1", "varicella", 1, date(2016, 1, 13))
        w.resident("v2", date(2015, 1, 5))
        w.dose("v2", "mr", 1, date(2016, 2, 1), source="transfer")
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


def _due(town: Town, programme: str, on: date, prefix: str
         ) -> list[tuple[str, int, date, str]]:
    mine = town.keys(prefix)
    with session_scope() as session:
        return [(row.atena_number, row.dose, row.earliest, row.status)
                for row in due_list(session, programme, on) if row.atena_number in mine]


def test_the_bands_meet_at_their_edges() -> None:
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
    midori, fee = "みどり内科クリニック", "実費徴収"
    assert claims(2012, 5) == [ClaimRow(town.clinic_a, midori, "pfizer", "covid19", fee, 2),
                               ClaimRow(town.clinic_b, "", "moderna", "covid19", fee, 1)]
    assert claims(2012, 4) == [ClaimRow(town.clinic_b, "", "moderna", "covid19", fee, 1)]
    assert claims(2012, 6) == [ClaimRow(town.clinic_a, midori, "pfizer", "covid19", fee, 1)]
    assert claims(2012, 12) == [ClaimRow(town.clinic_a, midori, "influenza", "influenza", fee,
                                         1)]
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


def test_due_and_overdue_for_a_programmes_next_dose(town: Town) -> None:
    # d2 had MR 1期, d4 is past it, d6's 水痘 holds MR off 27 days; d3's MR waits 27 days
    # after its 水痘; d5 is past 水痘's 36 months, d6's 2nd is not yet allowed, d7 moved out
    assert _due(town, "mr", DUE_ON, "d") == [(town.atena["d3"], 1, date(2016, 2, 11), "due"),
                                             (town.atena["d1"], 1, date(2016, 3, 9), "due")]
    assert _due(town, "varicella", DUE_ON, "d") == [
        (town.atena["d4"], 2, date(2015, 4, 14), "overdue"),
        (town.atena["d1"], 1, date(2016, 3, 9), "due"),
        (town.atena["d3"], 2, date(2016, 4, 14), "due"),
        (town.atena["d2"], 1, date(2016, 4, 17), "due")]
    with session_scope() as session:
        first = next(row for row in due_list(session, "varicella", DUE_ON)
                     if row.atena_number == town.atena["d3"])
    assert (first.name, first.name_kana, first.birth_date, first.address, first.programme,
            first.recommended_until, first.last) == (
        "報告 d3", "ホウコク d3", date(2015, 1, 15), "千葉県松戸市根本387-5", "varicella",
        date(2017, 1, 14), date(2018, 1, 14))
    assert _due(town, "mr", date(2016, 3, 8), "d1") == []  # 12 months are reached on 03-09
    with session_scope() as session, pytest.raises(UnknownProgramme, match="unknown programme"):
        due_list(session, "sputnik", DUE_ON)


def test_due_for_the_season_from_the_day_65_is_reached(town: Town) -> None:
    def listed(on: date) -> list[str]:
        return [atena for atena, *_ in _due(town, "influenza", on, "s")]

    s1, s2, s3, s4 = (town.atena[key] for key in ("s1", "s2", "s3", "s4"))
    # s2 reaches 65 at the end of 2016-10-01, the day before the birthday; s3 had this
    # 年度's dose; s4's was voided. A product names its programme too.
    assert listed(date(2016, 9, 30)) == [s4, s1]
    assert listed(FLU_ON) == [s4, s1, s2]
    assert listed(date(2017, 3, 31)) == [s4, s1, s2]
    assert sorted(listed(date(2017, 4, 1))) == sorted([s1, s2, s3, s4])
    # born 1 March 1951 reaches 65 on 29 February 2016
    t1, t2 = town.atena["t1"], town.atena["t2"]
    assert [a for a, *_ in _due(town, "influenza", date(2016, 2, 28), "t")] == [t1]
    assert [a for a, *_ in _due(town, "influenza", date(2016, 2, 29), "t")] == [t1, t2]


def test_the_statutory_count_judges_each_dose_and_leaves_transfers_out(town: Town) -> None:
    with session_scope() as session:
        rows = statutory_counts(session, 2015)
    # v1's 水痘 came a day before 12 months; s1 was 64 at the season's dose; v2's MR is a
    # transfer, counted where it was given
    assert rows == [StatutoryRow("麻しん・風しん（MR）", "1期", "", 1, 1, 0),
                    StatutoryRow("水痘", "", "", 1, 1, 1),
                    StatutoryRow("インフルエンザ（高齢者）", "", "", 1, 0, 1)]


def test_write_csv_is_utf8_with_a_bom_and_blank_for_nothing() -> None:
    handle = io.BytesIO()
    rows = [DueRow("A1", "松戸 花子", "マツド ハナコ", date(1950, 1, 2), "松戸市", "influenza",
                   "", 1, date(2016, 4, 1), None, None, "due")]
    assert write_csv(rows, ["atena_number", "name", "birth_date", "last"], handle) == 1
    assert handle.getvalue().startswith(b"\xef\xbb\xbf")
    assert handle.getvalue().decode("utf-8-sig") == (
        "atena_number,name,birth_date,last\r\nA1,松戸 花子,1950-01-02,\r\n")


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
         "programme": "covid19", "fee": "実費徴収", "doses": 2},
        {"clinic_code": town.clinic_b, "clinic_name": "", "vaccine": "moderna",
         "programme": "covid19", "fee": "実費徴収", "doses": 1}]
    answer = supervisor.get("/api/reports/claims",
                            params={"year": 2012, "month": 5, "format": "csv"})
    assert answer.headers["content-disposition"] == 'attachment; filename="claims-2012-05.csv"'
    assert answer.content.decode("utf-8-sig").splitlines()[0] == \
        "clinic_code,clinic_name,vaccine,programme,fee,doses"
    assert [row for row in _csv(answer) if row["clinic_code"] in mine][0] == {
        "clinic_code": town.clinic_a, "clinic_name": "みどり内科クリニック", "vaccine": "pfizer",
        "programme": "covid19", "fee": "実費徴収", "doses": "2"}

    answer = supervisor.get("/api/reports/counts",
                            params={"start": "2013-01-01", "end": "2013-12-31", "format": "csv"})
    counts = _csv(answer)
    assert list(counts[0]) == ["vaccine", "dose_number", "age_group", "sex", "doses"]
    assert {"vaccine": "pfizer", "dose_number": "1", "age_group": "12-19", "sex": "M",
            "doses": "2"} in counts and len(counts) == 9

    answer = supervisor.get("/api/reports/due",
                            params={"programme": "varicella", "on": "2016-06-01"})
    assert answer.status_code == 200, answer.text
    assert [(row["atena_number"], row["status"]) for row in answer.json()["rows"]
            if row["atena_number"] in town.keys("d")][:2] == [
        (town.atena["d4"], "overdue"), (town.atena["d1"], "due")]
    _no_my_number(town, answer.text)

    for name, on, series in (("varicella", "2016-06-01", "varicella"),
                             ("influenza", "2017-04-01", "influenza")):
        answer = supervisor.get("/api/reports/due",
                                params={"programme": name, "on": on, "format": "csv"})
        assert answer.headers["content-disposition"] == \
            f'attachment; filename="due-{series}-{on}.csv"'
        _no_my_number(town, answer.content.decode("utf-8-sig"))
        due = _csv(answer)
        assert list(due[0]) == ["atena_number", "name", "name_kana", "birth_date", "address",
                                "programme", "phase", "dose", "earliest", "recommended_until",
                                "last", "status"]
    assert {"atena_number": town.atena["s3"], "name": "報告 s3", "name_kana": "ホウコク s3",
            "birth_date": "1940-05-05", "address": "千葉県松戸市根本387-5",
            "programme": "influenza", "phase": "", "dose": "2017", "earliest": "2017-04-01",
            "recommended_until": "2018-03-31", "last": "2018-03-31", "status": "due"} in due
    assert town.atena["s4"] in {row["atena_number"] for row in due}

    answer = supervisor.get("/api/reports/statutory", params={"year": 2015, "format": "csv"})
    assert answer.headers["content-disposition"] == 'attachment; filename="statutory-2015.csv"'
    assert _csv(answer)[1] == {"programme": "水痘", "phase": "", "part": "", "dose": "1",
                               "valid": "1", "mistakes": "1"}

    with session_scope() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export")
                                .order_by(AuditEvent.id.desc()).limit(1)).one()
        assert event.actor.startswith("supervisor-") and event.subject == "report:statutory"
        assert event.detail == {"report": "statutory", "format": "csv", "rows": 3,
                                "year": "2015"}
        due_export = session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "report.export", AuditEvent.subject == "report:due")
            .order_by(AuditEvent.id.desc()).limit(1)).one()
        assert due_export == {"report": "due", "format": "csv", "rows": len(due),
                              "programme": "influenza", "on": "2017-04-01"}
        views = session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "report.view", AuditEvent.actor == event.actor)).all()
        assert [view["report"] for view in views] == ["claims", "due"]


def test_bad_parameters_are_refused_with_a_reason(town: Town) -> None:
    supervisor = _client(Role.SUPERVISOR)
    answer = supervisor.get("/api/reports/due", params={"programme": "sputnik"})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith("unknown programme 'sputnik': one of dpt_ipv_hib, ")
    answer = supervisor.get("/api/reports/due", params={"vaccine": "bcg"})
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == [
        "query", "programme"]
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
                         ("due", {"programme": "influenza", "format": "csv"}),
                         ("statutory", {"year": 2015})):
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
            w.resident(key, date(1940, 1, 1))
            resident = session.get(Resident, w.ids[key])
            resident.moved_out_on, resident.died_on = moved, died
    assert [atena for atena, *_ in _due(town, "influenza", DUE_ON, "m")] == [town.atena["m3"]]
