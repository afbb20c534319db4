"""A notice run: the targets, a serial for each person's form (withdrawing the one a reprint
replaces), the run's row and its audit entry — everything in the caller's transaction; the
PDF and the mailing list are made from what it returns."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from ledger.reports.programmes import programme
from models import NoticeRun, audit
from notices.forms import form_for
from notices.pdf import Notice, Person
from notices.serials import issue
from notices.targets import targets
from ocr import FormSpec


@dataclass(frozen=True)
class NoticeBatch:
    run: NoticeRun
    form: FormSpec
    notices: list[Notice]


def month_span(month: str) -> tuple[date, date]:
    """The first and last day of YYYY-MM; ValueError otherwise."""
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def run_notices(session: Session, *, programme_name: str, month: str, reminders: bool,
                actor: str) -> NoticeBatch:
    """Everyone due for the programme in the month (and the overdue, with `reminders`), a
    serial each. UnknownProgramme, NoPrintedForm or ValueError (a bad month) refuse it."""
    series = programme(programme_name)
    spec = form_for(series)
    start, end = month_span(month)
    found = targets(session, series.id, start, end, reminders=reminders)
    run = NoticeRun(programme=series.id, period_start=start, period_end=end,
                    reminders=reminders, people=len(found), created_by=actor)
    session.add(run)
    session.flush()
    notices = []
    for target in found:
        resident, due = target.resident, target.due
        serial = issue(session, run, resident_id=resident.id, programme=series.id,
                       dose=due.dose, form_id=spec.form_id)
        notices.append(Notice(
            Person(resident.atena_number, resident.name, resident.name_kana,
                   resident.birth_date, resident.sex, resident.address),
            serial.serial, series.name_ja, due.phase, due.dose, due.earliest, due.last,
            target.reminder))
    audit.record(session, actor=actor, action="notices.run", subject=f"notice_run:{run.id}",
                 detail={"programme": series.id, "month": month, "reminders": reminders,
                         "people": len(found),
                         "reminded": sum(1 for notice in notices if notice.reminder)})
    return NoticeBatch(run, spec, notices)
