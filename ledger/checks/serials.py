"""A personal form's serial (printed by a notice run, read from its QR): it names the person,
programme and dose, so the page is matched by it and the printed identity is not read again.
A serial the city never issued, one a reprint withdrew, one another page already brought
back, or one of another person than the page is matched to, is a problem for a person."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.checks.confirmation import REGISTER
from ledger.kit.vaccines import CATALOG
from models import NoticeSerial, Resident

SERIAL_KEY = "notice_serial"
DOSE_KEY = "dose_number"
VACCINE_KEY = "vaccine"
LOT_KEY = "lot_number"


def serial_of(session: Session, values: Mapping[str, str]) -> NoticeSerial | None:
    serial = values.get(SERIAL_KEY, "")
    return session.scalar(select(NoticeSerial).where(NoticeSerial.serial == serial)) \
        if serial else None


def claim_serial(session: Session, values: Mapping[str, str], page_id: int
                 ) -> NoticeSerial | None:
    """The page's serial when it is valid, then tied to this page; None otherwise."""
    row = serial_of(session, values)
    if row is None or row.withdrawn_at is not None or row.page_id not in (None, page_id):
        return None
    row.page_id = page_id
    return row


def printed_for(session: Session, row: NoticeSerial, values: Mapping[str, str],
                offered: Collection[str] = ()) -> dict[str, str]:
    """What a personal form's serial confirms: the identity printed on it (the register's,
    never read again), the dose number printed in its box (notices.pdf) when the reader read
    it there, and the vaccine when the form offers a single product of the
    serial's programme (`offered`: the form's vaccine options) and the reader read the
    clinic's tick as that one, or read no tick where a lot was written (a dose was given,
    and on this form it can only be that one; the lot master then checks the lot against
    it). The city sent this form for that programme, and a faint or overwritten tick is
    the usual doubt; another number or vaccine stays for a person (a vaccine of another
    programme is a problem: serial_problems)."""
    resident = session.get_one(Resident, row.resident_id)
    confirmed = {key: expected(resident) for key, expected in REGISTER.items() if key in values}
    dose = str(row.dose)
    if values.get(DOSE_KEY) == dose:
        confirmed[DOSE_KEY] = dose
    ours = [code for code in offered if code in CATALOG and CATALOG[code].disease == row.programme]
    ticked = values.get(VACCINE_KEY, "")
    if len(ours) == 1 and (ticked == ours[0] or (not ticked and values.get(LOT_KEY, "").strip())):
        confirmed[VACCINE_KEY] = ours[0]
    return confirmed


def serial_problems(session: Session, values: Mapping[str, str], resident_id: int | None,
                    page_id: int | None) -> dict[str, str]:
    if not values.get(SERIAL_KEY):
        return {}
    row = serial_of(session, values)
    if row is None:
        return {SERIAL_KEY: "市が発行した予診票の番号ではありません"}
    if row.withdrawn_at is not None:
        return {SERIAL_KEY: "再発行で無効になった予診票です（新しい予診票が送られています）"}
    if row.page_id is not None and row.page_id != page_id:
        return {SERIAL_KEY: f"この予診票はすでに読み取られています（page {row.page_id}）"}
    if resident_id is not None and resident_id != row.resident_id:
        return {SERIAL_KEY: "予診票を送った方と、照合した住民が異なります"}
    vaccine = CATALOG.get(values.get("vaccine", ""))
    if vaccine is not None and vaccine.disease != row.programme:
        return {"vaccine": f"通知した予防接種（{row.programme}）のワクチンではありません"}
    return {}
