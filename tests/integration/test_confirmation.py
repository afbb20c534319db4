"""What the city's records confirm: near names snap to the register, exact-only fields do
not, a lot one character off snaps to the only lot it can be, and a twin is never guessed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.checks.confirmation import confirmations, near
from ledger.residents.matching import find_candidates, unique_match
from models import Clinic, Lot, Resident, Ticket
from models.db import session_scope
from samples.sets import SETS_DIR
from yoshin.city import load_city

SET = SETS_DIR / "mixed-30"


def _load() -> None:
    load_city(SET, actor="test")


def _confirms_none(session: Session, key: str, resident: Resident | None,
                   cases: Iterable[tuple[dict[str, str], set[str]]]) -> None:
    """None of the (values, unsure) `cases` has `key` confirmed."""
    for values, unsure in cases:
        confirmed = confirmations(session, values, resident, unsure=unsure)
        assert key not in confirmed, (values, unsure)


def test_near() -> None:
    assert near("山崎 芽休", "山崎 芽依")
    assert near("ヤマザキメイ", "ヤマザキ メイ")
    assert not near("山田 花子", "山崎 芽依")
    assert not near("", "山崎 芽依")


def test_register_confirms_near_values_and_lots(inprocess_db: Path) -> None:
    _load()
    with session_scope() as session:
        ticket = session.scalars(select(Ticket)).first()
        resident = session.get(Resident, ticket.resident_id)
        lot = session.scalars(select(Lot).where(Lot.vaccine == "pfizer")).first()
        misread_name = resident.name[:-1] + "〇"
        values = {"ticket_number": ticket.ticket_number,
                  "municipality_code": ticket.municipality_code, "name": misread_name,
                  "name_kana": resident.name_kana, "birth_date": resident.birth_date.isoformat(),
                  "sex": "F" if resident.sex == "M" else "M",
                  "vaccine": "pfizer", "lot_number": lot.lot_number[:-1] + "X"}
        matched = unique_match(find_candidates(session, values))
        assert matched is None  # the sex differs from the register: a person must look
        values["sex"] = resident.sex
        matched = unique_match(find_candidates(session, values))
        assert matched is not None and matched.id == resident.id

        confirmed = confirmations(session, values, matched)
        assert confirmed["name"] == resident.name
        assert confirmed["birth_date"] == resident.birth_date.isoformat()
        assert confirmed["ticket_number"] == ticket.ticket_number
        assert confirmed["municipality_code"] == ticket.municipality_code
        assert confirmed["lot_number"] == lot.lot_number
        assert "ticket_line" not in confirmed
        line = (ticket.ticket_kind + ticket.ticket_dose + ticket.municipality_code
                + ticket.ticket_number)
        assert confirmations(session, {**values, "ticket_line": line},
                             matched)["ticket_line"] == line
        misread = line[:-1] + str((int(line[-1]) + 1) % 10)
        assert "ticket_line" not in confirmations(session, {**values, "ticket_line": misread},
                                                  matched)
        assert "ticket_line" not in confirmations(session, {**values, "ticket_line": line},
                                                  None)
        assert "dose_number" not in confirmed
        dose = {**values, "dose_number": ticket.ticket_dose}
        assert confirmations(session, dose, matched)["dose_number"] == ticket.ticket_dose
        other = str(int(ticket.ticket_dose) % 9 + 1)
        assert "dose_number" not in confirmations(session, {**dose, "dose_number": other}, matched)
        assert "dose_number" not in confirmations(session, dose, None)

        wrong_birth = {**values, "birth_date": date(1900, 1, 1).isoformat()}
        assert "birth_date" not in confirmations(session, wrong_birth, matched)
        far_lot = {**values, "lot_number": "ZZZZZZ"}
        assert "lot_number" not in confirmations(session, far_lot, None)


def test_clinic_and_its_doctors_confirm_each_other(inprocess_db: Path) -> None:
    _load()
    with session_scope() as session:
        clinic = session.scalars(select(Clinic)).first()
        doctor = clinic.doctors[0]
        values = {"clinic_code": clinic.clinic_code, "place": clinic.name[:-1] + "〇",
                  "doctor_name": doctor[:-1] + "〇", "vaccinator_name": "全く別の人"}
        confirmed = confirmations(session, values, None)
        assert confirmed["clinic_code"] == clinic.clinic_code
        assert confirmed["place"] == clinic.name
        assert confirmed["doctor_name"] == doctor
        assert "vaccinator_name" not in confirmed
        elsewhere = confirmations(session, {**values, "place": "どこか遠くの診療所"}, None)
        assert "clinic_code" not in elsewhere and "doctor_name" not in elsewhere
        # the place left blank: the code's own clinic confirms its doctors, not the code
        blank = confirmations(session, {**values, "place": ""}, None)
        assert blank == {"doctor_name": doctor}
        one_off = clinic.clinic_code[:-1] + str((int(clinic.clinic_code[-1]) + 1) % 10)
        assert confirmations(session, {**values, "place": "", "clinic_code": one_off},
                             None) == {}


def test_a_misread_place_counts_as_blank_but_another_clinics_name_does_not(
        inprocess_db: Path) -> None:
    """A place the reader was unsure of that names no clinic (院 for 常盤平内科医院) lets the
    code's own clinic confirm its doctors, as a blank place does; the same place read surely
    says the dose was given elsewhere, and one near another clinic's name contradicts the
    code."""
    _load()
    with session_scope() as session:
        clinic, other = session.scalars(select(Clinic)).all()[:2]
        doctor = clinic.doctors[0]
        values = {"clinic_code": clinic.clinic_code, "place": "院",
                  "doctor_name": doctor[:-1] + "〇"}
        assert confirmations(session, values, None, unsure={"place"}) == {"doctor_name": doctor}
        assert confirmations(session, values, None) == {}
        elsewhere = {**values, "place": other.name[:-1] + "〇"}
        assert confirmations(session, elsewhere, None, unsure={"place"}) == {}
        one_off = clinic.clinic_code[:-1] + str((int(clinic.clinic_code[-1]) + 1) % 10)
        assert confirmations(session, {**values, "clinic_code": one_off}, None,
                             unsure={"place"}) == {}


def test_a_doubted_code_read_exactly_is_confirmed_by_its_clinics_doctor(
        inprocess_db: Path) -> None:
    """A code read exactly but doubted, the place blank or misread: the clinic's doctor on
    the page confirms it, no other clinic's code being near it. Without a doctor of the
    clinic, or with another clinic's code a digit off in the master, it waits; a code read
    surely needs no confirming."""
    _load()
    with session_scope() as session:
        clinic = session.scalars(select(Clinic)).first()
        assert clinic is not None
        code, doctor = clinic.clinic_code, clinic.doctors[0]
        values = {"clinic_code": code, "place": "", "doctor_name": doctor}
        assert confirmations(session, values, None, unsure={"clinic_code"}) == {
            "clinic_code": code, "doctor_name": doctor}
        misread = {**values, "place": "院"}
        assert confirmations(session, misread, None, unsure={"clinic_code", "place"})[
            "clinic_code"] == code
        assert confirmations(session, values, None) == {"doctor_name": doctor}
        nobody = {**values, "doctor_name": "山田 太郎"}
        assert confirmations(session, nobody, None, unsure={"clinic_code"}) == {}
        session.add(Clinic(clinic_code=code[:-1] + str((int(code[-1]) + 1) % 10),
                           name="隣の診療所", doctors=["隣 医師"]))
        session.flush()
        assert confirmations(session, values, None, unsure={"clinic_code"}) == {
            "doctor_name": doctor}
        session.rollback()


def test_a_clinic_code_one_digit_off_is_the_clinic_the_place_names(inprocess_db: Path) -> None:
    _load()
    with session_scope() as session:
        clinics = session.scalars(select(Clinic)).all()
        clinic = clinics[0]
        misread = clinic.clinic_code[:-1] + str((int(clinic.clinic_code[-1]) + 1) % 10)
        values = {"clinic_code": misread, "place": clinic.name}
        confirmed = confirmations(session, values, None)
        assert confirmed["clinic_code"] == clinic.clinic_code
        assert confirmed["place"] == clinic.name
        lost = confirmations(session, {**values, "clinic_code": clinic.clinic_code[1:]}, None)
        assert lost["clinic_code"] == clinic.clinic_code
        other = clinics[1]
        assert "clinic_code" not in confirmations(session, {**values, "place": other.name}, None)
        two_off = clinic.clinic_code[:-2] + "".join(
            str((int(d) + 1) % 10) for d in clinic.clinic_code[-2:])
        assert "clinic_code" not in confirmations(session, {**values, "clinic_code": two_off},
                                                  None)


def test_a_doubted_code_naming_no_clinic_is_the_clinic_named_with_its_doctor(
        inprocess_db: Path) -> None:
    """A code the reader doubted two digits off a clinic's (written across its boxes) is that
    clinic's when the place gives its name and the page shows its doctor; without either, a
    code further off, or a code read surely, it is not."""
    _load()
    with session_scope() as session:
        clinic = session.scalars(select(Clinic)).first()
        assert clinic is not None
        code = clinic.clinic_code
        shifted = code[:4] + code[5:] + "9"  # a digit lost, one gained
        values = {"clinic_code": shifted, "place": clinic.name,
                  "doctor_name": clinic.doctors[0]}
        assert confirmations(session, values, None, unsure={"clinic_code"}) == {
            "clinic_code": clinic.clinic_code, "place": clinic.name,
            "doctor_name": clinic.doctors[0]}
        assert confirmations(session, values, None) == {}
        shown_only = {**values, "doctor_name": "〇〇 〇"}
        assert confirmations(
            session, shown_only, None, unsure={"clinic_code"},
            shows=lambda key, name: key == "doctor_name" and name == clinic.doctors[0],
        )["clinic_code"] == clinic.clinic_code
        three_off = shifted[:1] + str((int(shifted[1]) + 1) % 10) + shifted[2:]
        for unnamed in ({**values, "doctor_name": "山田 太郎"}, {**values, "place": ""},
                        {**values, "doctor_name": ""}, {**values, "clinic_code": three_off}):
            assert confirmations(session, unnamed, None, unsure={"clinic_code"}) == {}, unnamed


def test_a_doubted_vaccine_tick_is_the_vaccine_of_the_lot_read_surely(
        inprocess_db: Path) -> None:
    """The tick doubted, the lot read surely and in the lot master: a tick read as the
    lot's vaccine is confirmed. A tick read as another vaccine, a doubted lot, or a lot the
    master does not know confirms nothing."""
    _load()
    with session_scope() as session:
        lot = session.scalars(select(Lot).where(Lot.vaccine == "pfizer")).first()
        assert lot is not None
        values = {"vaccine": "pfizer", "lot_number": lot.lot_number}
        assert confirmations(session, values, None, unsure={"vaccine"}) == {
            "vaccine": "pfizer", "lot_number": lot.lot_number}
        for unconfirmed, unsure in (({**values, "vaccine": "moderna"}, {"vaccine"}),
                                    (values, {"vaccine", "lot_number"}),
                                    ({**values, "lot_number": "ZZ9999"}, {"vaccine"})):
            assert "vaccine" not in confirmations(session, unconfirmed, None,
                                                  unsure=unsure), (unconfirmed, unsure)


def test_a_doubted_volume_is_the_one_the_vaccine_is_given_in_at_the_persons_age(
        inprocess_db: Path) -> None:
    """Hepatitis B is given in 0.25 mL before the tenth birthday and 0.5 mL from it: a
    doubted volume (a mark struck and made again) is confirmed only when it is the one for
    the resident's age on a vaccination date and vaccine read surely."""
    _load()
    with session_scope() as session:
        resident = session.scalars(select(Resident)).first()
        assert resident is not None
        child = date(resident.birth_date.year + 2, 6, 1)
        grown = date(resident.birth_date.year + 11, 1, 1)
        values = {"vaccine": "hepb", "vaccination_date": child.isoformat(), "dose_ml": "0.25"}
        doubted = {"dose_ml"}
        assert confirmations(session, values, resident, unsure=doubted)["dose_ml"] == "0.25"
        at_ten = {**values, "vaccination_date": grown.isoformat(), "dose_ml": "0.5"}
        assert confirmations(session, at_ten, resident, unsure=doubted)["dose_ml"] == "0.5"
        _confirms_none(session, "dose_ml", resident,
                       (({**values, "dose_ml": "0.5"}, doubted),
                        ({**at_ten, "dose_ml": "0.25"}, doubted),
                        ({**values, "dose_ml": ""}, doubted),
                        (values, {*doubted, "vaccination_date"}),
                        (values, {*doubted, "vaccine"}),
                        ({**values, "vaccine": "pfizer"}, doubted)))
        assert "dose_ml" not in confirmations(session, values, None, unsure=doubted)


def test_a_doubted_ok_is_the_decision_when_the_vaccination_box_holds_the_dose(
        inprocess_db: Path) -> None:
    """The doctor struck 見合わせ and marked 可: the reader doubts the corrected decision, but
    a dose is given only on an "ok", and the vaccination box holds one, read surely. A
    doubted deferral or blank beside it, or a box any part of which is doubted or blank,
    confirms nothing."""
    _load()
    with session_scope() as session:
        values = {"doctor_decision": "ok", "vaccine": "hepb", "lot_number": "XB123",
                  "vaccination_date": "2025-06-02"}
        doubted = {"doctor_decision"}
        assert confirmations(session, values, None, unsure=doubted)["doctor_decision"] == "ok"
        _confirms_none(session, "doctor_decision", None,
                       (({**values, "doctor_decision": "defer"}, doubted),
                        ({**values, "doctor_decision": ""}, doubted),
                        ({**values, "lot_number": ""}, doubted),
                        (values, {*doubted, "vaccination_date"}),
                        (values, {*doubted, "vaccine"}),
                        (values, set())))


def test_variant_kanji_compare_equal() -> None:
    from ledger.kit.text import normalise

    assert normalise("川﨑 拓也") == normalise("川崎拓也")
    assert normalise("髙橋　一郎") == normalise("高橋 一郎")
    assert normalise("ﾔﾏﾀﾞ") == normalise("ヤマダ")
    assert normalise("松戸市金ヶ作4丁目") == normalise("松戸市金ケ作４丁目")
    assert normalise("山田") != normalise("山口")


def test_unreadable_name_does_not_block_a_ticket_match(inprocess_db: Path) -> None:
    _load()
    with session_scope() as session:
        ticket = session.scalars(select(Ticket)).first()
        resident = session.get(Resident, ticket.resident_id)
        values = {"ticket_number": ticket.ticket_number, "name": "",
                  "name_kana": resident.name_kana, "birth_date": resident.birth_date.isoformat(),
                  "sex": resident.sex}
        matched = unique_match(find_candidates(session, values))
        assert matched is not None and matched.id == resident.id
        assert "name" not in confirmations(session, values, matched)  # left for a person
        no_kana = {**values, "name_kana": "ア"}
        assert unique_match(find_candidates(session, no_kana)) is None


def test_a_far_off_name_is_the_registers_only_when_the_image_shows_it(
        inprocess_db: Path) -> None:
    _load()
    with session_scope() as session:
        ticket = session.scalars(select(Ticket)).first()
        resident = session.get(Resident, ticket.resident_id)
        values = {"ticket_number": ticket.ticket_number, "name": "全然違う読み",
                  "name_kana": "ア", "birth_date": resident.birth_date.isoformat(),
                  "sex": resident.sex, "address": resident.address}
        matched = unique_match(find_candidates(session, values))
        asked: list[tuple[str, str]] = []

        def shows(key: str, expected: str) -> bool:
            asked.append((key, expected))
            return expected == resident.name

        assert confirmations(session, values, matched, shows)["name"] == resident.name
        assert ("name", resident.name) in asked
        assert "name" not in confirmations(session, values, matched, lambda k, e: False)


def test_a_form_without_ticket_matches_on_birth_date_reading_and_address(
        inprocess_db: Path) -> None:
    _load()
    with session_scope() as session:
        resident = session.scalars(select(Resident).order_by(Resident.id)).first()
        values = {"name": "読めない", "name_kana": resident.name_kana,
                  "birth_date": resident.birth_date.isoformat(), "address": resident.address}
        matched = unique_match(find_candidates(session, values))
        assert matched is not None and matched.id == resident.id
        assert unique_match(find_candidates(session, {**values, "address": "どこか"})) is None


def test_ticket_birth_date_and_address_match_when_both_names_are_unreadable(
        inprocess_db: Path) -> None:
    _load()
    with session_scope() as session:
        ticket = session.scalars(select(Ticket)).first()
        resident = session.get(Resident, ticket.resident_id)
        values = {"ticket_number": ticket.ticket_number, "name": "表表夢", "name_kana": "アフキ",
                  "birth_date": resident.birth_date.isoformat(), "address": resident.address}
        matched = unique_match(find_candidates(session, values))
        assert matched is not None and matched.id == resident.id
        assert unique_match(find_candidates(session, {**values, "address": "大阪府"})) is None


def test_the_tickets_holder_names_a_name_the_reader_cannot_make_out(inprocess_db: Path) -> None:
    _load()
    with session_scope() as session:
        ticket = session.scalars(select(Ticket)).first()
        resident = session.get(Resident, ticket.resident_id)
        values = {"ticket_number": ticket.ticket_number, "name": "表表夢",
                  "name_kana": resident.name_kana, "birth_date": resident.birth_date.isoformat()}
        matched = unique_match(find_candidates(session, values))
        assert confirmations(session, values, matched)["name"] == resident.name
        assert "name" not in confirmations(session, {**values, "name": ""}, matched)
        other = {**values, "ticket_number": "0000000000"}
        assert "name" not in confirmations(session, other, matched)


def test_a_far_off_address_is_the_registers_only_when_the_image_shows_it(
        inprocess_db: Path) -> None:
    """An address read with every other character wrong (千 as 干, 目 as 日) is the register's
    once the image, held to the register's address, shows it; not when it does not (a person
    who moved and wrote the new address)."""
    _load()
    with session_scope() as session:
        ticket = session.scalars(select(Ticket)).first()
        resident = session.get(Resident, ticket.resident_id)
        values = {"ticket_number": ticket.ticket_number, "name": resident.name,
                  "name_kana": resident.name_kana, "birth_date": resident.birth_date.isoformat(),
                  "sex": resident.sex, "address": "干葉鼎 公尸 丁日"}
        matched = unique_match(find_candidates(session, values))
        assert matched is not None and matched.id == resident.id

        def shows(key: str, expected: str) -> bool:
            return key == "address" and expected == resident.address

        assert confirmations(session, values, matched, shows)["address"] == resident.address
        assert "address" not in confirmations(session, values, matched, lambda k, e: False)
