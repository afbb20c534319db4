"""What the city's own records confirm on a form, so a reader only has to recognise, not
read from nothing (the resident register, the issued tickets, the lot master, the
contracted clinics).

Once a form is matched to one resident, a value the reader got nearly right (a kanji or two
off in a name, a stroke in the address) is the register's value: the register is what the
person wrote from. A lot number one character off from exactly one lot of that vaccine in
the lot master is that lot, and a doubted vaccine tick read as the vaccine of the lot read
surely is that vaccine; a clinic code (or a code one digit off) and a place that name the
same contracted clinic confirm it, and the names of its doctors confirm the doctors' names
on the form; a ticket's parts and its OCR line read exactly as the holder's ticket prints
them are the ticket's; a dose volume that is the one the vaccine is given in at the
person's age is that volume; and a doubted "ok" (可) in the doctor's decision is the
decision when the form's vaccination box holds the dose given, read surely. A name or
address the reader got too far off is still the register's when the page, read again
allowed only the register's characters, shows exactly that value (`shows`, supplied by the
worker, which holds the image). Values too far from the records are left for a person.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from rapidfuzz.distance import Levenshtein
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.checks.validation import parse_date
from ledger.clinics.repository import all_clinics, clinic_by_code
from ledger.kit.text import normalise
from ledger.kit.vaccines import CATALOG
from ledger.schedule.engine import prescribed_volume
from models import Clinic, Lot, Resident, Ticket

NEAR_SHARE = 0.34
"""At most this share of a value's characters may differ for it to count as near."""

REGISTER: dict[str, Callable[[Resident], str]] = {
    "name": lambda r: r.name,
    "name_kana": lambda r: r.name_kana,
    "birth_date": lambda r: r.birth_date.isoformat(),
    "sex": lambda r: r.sex,
    "address": lambda r: r.address,
}
EXACT_ONLY = frozenset({"birth_date", "sex"})
SHOWN = frozenset({"name", "name_kana", "address"})
"""Register fields whose expected value may be confirmed on the image when the reading is
far off: the names and the address, where the ticket and birth date leave a single
candidate. (The clinic's name and its doctors' names are confirmed the same way once the
clinic code names it.) Handwritten addresses are long and read far off often (千 as 干, 目 as
日 several times in one line); held to the register's address, the image confirmed none of
the wrong addresses it was tried against (every house or block number one or ten off, each
confusable character swapped: see ocr.text.confirms_text), and a person who moved and wrote
the new address is left for a person."""

Shows = Callable[[str, str], bool]
"""shows(key, expected): whether field `key` on the page's image shows `expected`."""
DOCTOR_KEYS = ("doctor_name", "vaccinator_name")
"""Names the clinic master lists for the clinic: its doctors confirm them, and a name two
recognisers agreed on that is no doctor of the clinic is a misreading (石井 健一 read alike
as 研健一 on a generated phone photo) or a doctor the master does not know yet, and either
way for a person (ledger.checks.record_checks)."""
GIVEN_KEYS = ("vaccine", "lot_number", "vaccination_date")
"""What every dose given has on its form: all three blank, no dose was given."""
DOUBTED_CODE_DISTANCE = 2
"""How far (digits lost, gained or misread) a doubted clinic code may be from the code of
the clinic the place and a doctor's name both point at (_named_with_its_doctor)."""


def never(key: str, expected: str) -> bool:
    return False
TICKET_PARTS: dict[str, Callable[[Ticket], str]] = {
    "ticket_number": lambda t: t.ticket_number,
    "municipality_code": lambda t: t.municipality_code,
    "ticket_kind": lambda t: t.ticket_kind,
    "ticket_dose": lambda t: t.ticket_dose,
}


TICKET_LINE_KEY = "ticket_line"


def ticket_line(ticket: Ticket) -> str:
    """The ticket's printed OCR line (接種券OCR行): 券種, 接種回, 市区町村コード and 券番号 in
    that order, as the covid19 form cuts its reading into the parts (its `split`). A line
    read exactly as the holder's ticket prints it is confirmed with its parts: it is nothing
    but them."""
    return ticket.ticket_kind + ticket.ticket_dose + ticket.municipality_code \
        + ticket.ticket_number


def near(read: str, expected: str) -> bool:
    a, b = normalise(read), normalise(expected)
    if not a or not b:
        return False
    return Levenshtein.distance(a, b) <= max(1, int(len(b) * NEAR_SHARE))


def _lot(session: Session, read: str, vaccine: str) -> str | None:
    lots = session.scalars(select(Lot.lot_number).where(Lot.vaccine == vaccine)).all()
    if not read or not lots:
        return None
    if read in lots:
        return read
    close = [lot for lot in lots if Levenshtein.distance(normalise(read), lot) <= 1]
    return close[0] if len(close) == 1 else None


def _one_nearest(read: str, choices: list[str]) -> str | None:
    """The single closest of the near choices; None when none is near or two tie."""
    scored = sorted((Levenshtein.distance(normalise(read), normalise(c)), c)
                    for c in choices if near(read, c))
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


def _clinic(session: Session, values: Mapping[str, str], shows: Shows,
            unsure: Collection[str]) -> dict[str, str]:
    """The clinic code and the place must point at the same contracted clinic; its doctors
    then confirm the names in the doctor's and the vaccination box. Two readings agreeing on
    one entry of the clinic master are independent evidence, so a code one digit off a
    clinic whose name the place shows is that clinic's (on 60 generated office pages, 5 of
    the 8 misread handwritten codes were one digit off, lost or added). A code that is a
    clinic's own with the place left blank still lets that clinic's doctors confirm the
    names (the code itself then stands on its own reading): clinics often leave 実施場所
    empty, and on a development set of 200 pages 7 waited for a doctor's name read exactly
    while the code was sure and the place blank. A place read surely that names no clinic
    confirms nothing: the form says it was given elsewhere. A place the reader was unsure of
    (in `unsure`) that names no clinic is a place misread (常盤科院, 院 for 常盤平内科医院),
    and counts as blank, unless it is near another contracted clinic's name.

    A code the reader doubted that is exactly the clinic's, its place blank or misread, is
    confirmed by the clinic's doctor on the page when no other clinic's code is near it
    (_apart): on development seeds 17037 and 17038 (600 pages) 71 codes were read exactly
    and doubted, none of them another clinic's; 67 had the place to confirm them, and the 4
    without it waited for a person."""
    code, place = values.get("clinic_code", ""), values.get("place", "")

    def named(clinic: Clinic) -> bool:
        return near(place, clinic.name) or bool(place and shows("place", clinic.name))

    clinic = clinic_by_code(session, code)
    if clinic is None and len(code) > 1:
        # one digit misread, lost or added (the usual slips of a recogniser on a handwritten
        # code): the clinic is the one contracted clinic whose code is that near and whose
        # name the place shows
        close = [c for c in all_clinics(session)
                 if Levenshtein.distance(c.clinic_code, code) == 1 and named(c)]
        clinic = close[0] if len(close) == 1 else None
    if clinic is None and "clinic_code" in unsure:
        clinic = _named_with_its_doctor(session, values, shows, named)
    if clinic is None:
        return {}
    if named(clinic):
        confirmed = {"clinic_code": clinic.clinic_code, "place": clinic.name}
    elif not place.strip() or ("place" in unsure and not any(
            near(place, other.name) for other in all_clinics(session) if other.id != clinic.id)):
        confirmed = {}  # so the code was read as the clinic's own (a near one needs a place)
    else:
        return {}
    for key in DOCTOR_KEYS:
        doctor = _its_doctor(clinic, values, key, shows)
        if doctor is not None:
            confirmed[key] = doctor
    if ("clinic_code" in unsure and code == clinic.clinic_code
            and any(key in confirmed for key in DOCTOR_KEYS) and _apart(session, clinic)):
        confirmed["clinic_code"] = code
    return confirmed


def _apart(session: Session, clinic: Clinic) -> bool:
    """Whether every other contracted clinic's code is more than DOUBTED_CODE_DISTANCE
    digits off `clinic`'s: a doubted reading that is exactly its code is then its code, for
    a recogniser's slips on a handwritten code are a digit or two (_named_with_its_doctor),
    never the several that would make another clinic's code of it."""
    return all(Levenshtein.distance(other.clinic_code, clinic.clinic_code)
               > DOUBTED_CODE_DISTANCE for other in all_clinics(session) if other.id != clinic.id)


def _its_doctor(clinic: Clinic, values: Mapping[str, str], key: str, shows: Shows
                ) -> str | None:
    """The clinic's doctor whose name field `key` holds: the one its reading is near, or the
    one the image shows."""
    read = values.get(key)
    if read is None:
        return None
    doctor = _one_nearest(read, clinic.doctors)
    if doctor is None and read:
        shown = [name for name in clinic.doctors if shows(key, name)]
        doctor = shown[0] if len(shown) == 1 else None
    return doctor


def _named_with_its_doctor(session: Session, values: Mapping[str, str], shows: Shows,
                           named: Callable[[Clinic], bool]) -> Clinic | None:
    """For a code the reader doubted that names no clinic: the one contracted clinic whose
    code is two digits off it, whose name the place gives and whose doctor the doctor's or
    the vaccination box shows. A code written across its boxes reads two off (1213130042 for
    1213300425, a digit lost and one gained), too far for the code and the place alone; the
    doctor is a third reading agreeing on the same entry of the master. A place such as a
    hall where several clinics' doctors vaccinate names a clinic of the master too, so the
    code must still resemble its code."""
    code = values.get("clinic_code", "")
    agreeing = [clinic for clinic in all_clinics(session)
                if Levenshtein.distance(clinic.clinic_code, code) <= DOUBTED_CODE_DISTANCE
                and named(clinic) and any(_its_doctor(clinic, values, key, shows)
                                          for key in DOCTOR_KEYS)]
    return agreeing[0] if len(agreeing) == 1 else None


def _named_by_ticket(values: Mapping[str, str], resident: Resident,
                     confirmed: Mapping[str, str]) -> dict[str, str]:
    """The holder's name in kanji (or in kana) when their ticket, their birth date and the
    other form of their name are all on the page: the writing is then theirs, however far
    the reader got from it. Handwritten kanji the reader cannot make out even when told
    what to expect are the usual case; a blank name stays blank for a person."""
    if "birth_date" not in confirmed:
        return {}
    named = {}
    for key, other in (("name", "name_kana"), ("name_kana", "name")):
        if key not in confirmed and other in confirmed and values.get(key, "").strip():
            named[key] = REGISTER[key](resident)
    return named


def _prescribed_volume(values: Mapping[str, str], resident: Resident,
                       unsure: Collection[str]) -> dict[str, str]:
    """The dose volume when it is the volume the vaccine is given in at the resident's age
    on the vaccination date, vaccine and date read surely (the vaccine, on a personal form,
    may be the one its serial confirms: ledger.checks.routing): a volume mark struck out and
    made again beside it is what the reader doubts most on a volume, and the dose
    the schedule prescribes is the one a clinic gives. A volume other than the prescribed
    one is not confirmed, and the schedule's check makes it a problem for a person
    (ledger.schedule.engine)."""
    read = values.get("dose_ml", "")
    known = CATALOG.get(values.get("vaccine", ""))
    given = parse_date(values.get("vaccination_date", ""))
    doubted = {"vaccine", "vaccination_date"} & set(unsure)
    if not read or known is None or given is None or doubted:
        return {}
    volume = prescribed_volume(known, resident.birth_date, given)
    return {"dose_ml": volume.ml} if volume is not None and volume.ml == read else {}


def confirmations(session: Session, values: Mapping[str, str], resident: Resident | None,
                  shows: Shows = never, unsure: Collection[str] = ()) -> dict[str, str]:
    """For each field the records confirm, the value they hold. `unsure` are the fields the
    reader doubted (a clinic submission's values are never unsure)."""
    confirmed: dict[str, str] = _clinic(session, values, shows, unsure)
    if resident is not None:
        for key, expected in REGISTER.items():
            read = values.get(key)
            if read is None or not expected(resident):
                continue
            same = normalise(read) == normalise(expected(resident))
            if (same or (key not in EXACT_ONLY and near(read, expected(resident)))
                    or (key in SHOWN and read and shows(key, expected(resident)))):
                confirmed[key] = expected(resident)
        ticket = session.scalar(select(Ticket).where(
            Ticket.ticket_number == values.get("ticket_number", ""),
            Ticket.resident_id == resident.id))
        if ticket is not None:
            confirmed |= {key: part(ticket) for key, part in TICKET_PARTS.items()
                          if key in values and values[key] == part(ticket)}
            line = ticket_line(ticket)
            if values.get(TICKET_LINE_KEY) == line:
                confirmed[TICKET_LINE_KEY] = line
            if values.get("dose_number") == ticket.ticket_dose:
                # the ticket is issued for one dose: a handwritten dose number read as that
                # dose is confirmed by it (Tesseract reads a lone handwritten digit as nothing
                # on most pages, so the two recognisers seldom agree on it)
                confirmed["dose_number"] = ticket.ticket_dose
            confirmed |= _named_by_ticket(values, resident, confirmed)
    confirmed |= _vaccine_of_its_lot(session, values, unsure)
    if resident is not None:
        confirmed |= _prescribed_volume(values, resident, set(unsure) - confirmed.keys())
    confirmed |= _decided_by_the_dose(values, set(unsure) - confirmed.keys())
    lot = _lot(session, values.get("lot_number", ""), values.get("vaccine", ""))
    if lot is not None:
        confirmed["lot_number"] = lot
    return confirmed


def _vaccine_of_its_lot(session: Session, values: Mapping[str, str],
                        unsure: Collection[str]) -> dict[str, str]:
    """A doubted vaccine tick read as the vaccine whose lot, read surely, the lot number is
    in the lot master: the tick is what the reader doubts most (a tick past the box, a
    stroke across two rows), and the lot the clinic wrote is of one vaccine. A lot that is
    itself doubted confirms nothing here (its near match in the master is looked for among
    the read vaccine's lots), and a tick read as another vaccine than the lot's stays for a
    person, as does a lot the master does not know."""
    vaccine, lot = values.get("vaccine", ""), values.get("lot_number", "")
    if "vaccine" not in unsure or "lot_number" in unsure or not vaccine or not lot:
        return {}
    owners = session.scalars(select(Lot.vaccine).where(Lot.lot_number == lot)).all()
    return {"vaccine": vaccine} if list(owners) == [vaccine] else {}


def _decided_by_the_dose(values: Mapping[str, str], unsure: Collection[str]) -> dict[str, str]:
    """A doubted decision read as "ok" (接種可) when the vaccination box holds the dose given
    (GIVEN_KEYS), each read surely or confirmed: a dose is given only on the doctor's "ok",
    and a deferral leaves that box empty (ledger.checks.routing files such a form). The
    decision is what the reader doubts where the doctor corrected it (見合わせ struck, 可
    marked: ocr.checkbox.STRUCK_SURE) or circled it loosely; on development seed 17051 that
    alone held 5 of 353 personal forms. A doubted "defer", or a blank, beside a filled
    vaccination box contradicts it, and stays for a person."""
    if values.get("doctor_decision") != "ok" or "doctor_decision" not in unsure:
        return {}
    given = all(values.get(key, "").strip() and key not in unsure for key in GIVEN_KEYS)
    return {"doctor_decision": "ok"} if given else {}
