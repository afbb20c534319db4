"""A notice run: the targets, a serial for each person's form (withdrawing the one a reprint
replaces), the run's row and its audit entry — everything in the caller's transaction; the
PDF and the mailing list are made afterwards from the serials it issued (notices.files), by
a worker or by the command line."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.reports.programmes import programme
from models import NoticeRun, NoticeSerial, Resident, audit
from notices.forms import form_for
from notices.pdf import Notice, Person
from notices.serials import Letter, issue
from notices.targets import targets
from ocr import FormSpec


@dataclass(frozen=True)
class NoticeBatch:
    run: NoticeRun
    form: FormSpec
    notices: list[Notice]


class BadMonth(ValueError):
    """Not a month written YYYY-MM; the message says so in Japanese and English."""


MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def month_span(month: str) -> tuple[date, date]:
    """The first and last day of YYYY-MM; BadMonth otherwise (2026-1 and 2026-13 too: a
    month a person mistyped is said to be wrong, not read as some other month)."""
    found = MONTH.fullmatch(month)
    if found is None or int(found[1]) < 1:
        raise BadMonth("年月は YYYY-MM の形で指定してください "
                       "(month must be YYYY-MM, e.g. 2026-12)")
    year, number = int(found[1]), int(found[2])
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def notice_of(resident: Resident, serial: NoticeSerial, programme_ja: str) -> Notice:
    """A notice as its serial says it was issued, for the person as the register has them."""
    if serial.due_from is None:
        raise ValueError("the serial was printed elsewhere: its letter is not known")
    return Notice(Person(resident.atena_number, resident.name, resident.name_kana,
                         resident.birth_date, resident.sex, resident.address,
                         resident.postal_code),
                  serial.serial, programme_ja, serial.phase, serial.dose, serial.due_from,
                  serial.due_until, serial.reminder)


def notices_of(session: Session, run: NoticeRun, programme_ja: str) -> list[Notice]:
    """The run's notices in the order they were issued, which is the mailing's order."""
    rows = session.execute(select(NoticeSerial, Resident).join(
        Resident, Resident.id == NoticeSerial.resident_id).where(
        NoticeSerial.run_id == run.id).order_by(NoticeSerial.id))
    return [notice_of(resident, serial, programme_ja) for serial, resident in rows]


def run_notices(session: Session, *, programme_name: str, month: str, reminders: bool,
                actor: str) -> NoticeBatch:
    """Everyone due for the programme in the month (and the overdue, with `reminders`), a
    serial each. UnknownProgramme, NoPrintedForm or BadMonth refuse it. The run waits for
    its files (notices.files.render_run)."""
    start, end = month_span(month)
    series = programme(programme_name)
    spec = form_for(series)
    found = targets(session, series.id, start, end, reminders=reminders)
    run = NoticeRun(programme=series.id, period_start=start, period_end=end,
                    reminders=reminders, people=len(found), created_by=actor)
    session.add(run)
    session.flush()
    notices = []
    for target in found:
        resident, due = target.resident, target.due
        serial = issue(session, run, resident_id=resident.id, programme=series.id,
                       dose=due.dose, form_id=spec.form_id,
                       letter=Letter(due.phase, due.earliest, due.last, target.reminder))
        notices.append(notice_of(resident, serial, series.name_ja))
    audit.record(session, actor=actor, action="notices.run", subject=f"notice_run:{run.id}",
                 detail={"programme": series.id, "month": month, "reminders": reminders,
                         "people": len(found),
                         "reminded": sum(1 for notice in notices if notice.reminder)})
    return NoticeBatch(run, spec, notices)
