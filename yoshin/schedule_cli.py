"""`yoshin schedule`: the routine schedule as the engine reads it for one resident."""

from __future__ import annotations

import getpass
from datetime import date, datetime
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import select

from models.clock import city_today

schedule_app = typer.Typer(help="The routine schedule (定期接種): doses judged and what is due.",
                           no_args_is_help=True)
console = Console(soft_wrap=True, highlight=False)


def _day(text: str | None) -> date:
    if text is None:
        return city_today()
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError as error:
        raise typer.BadParameter("a date as YYYY-MM-DD") from error


@schedule_app.command("explain")
def schedule_explain(
    resident: Annotated[str, typer.Argument(help="the resident's 宛名番号")],
    on: Annotated[str | None, typer.Option(help="the day to judge on (YYYY-MM-DD); today")] = None,
) -> None:
    """Print a resident's doses, each valid or not with the reason and its rule, and what is
    due next with its days. Health data on a terminal: the audit log records who asked."""
    from ledger.schedule.explanation import lines
    from ledger.schedule.master_store import load_into_process
    from ledger.schedule.service import explain
    from models import Resident, audit
    from models.db import session_scope

    day = _day(on)
    with session_scope() as session:
        load_into_process(session)
        person = session.scalar(select(Resident).where(Resident.atena_number == resident))
        if person is None:
            console.print(f"no resident with 宛名番号 {resident}")
            raise typer.Exit(1)
        audit.record(session, actor=f"cli:{getpass.getuser()}", action="schedule.explain",
                     resident_id=person.id, detail={"on": day.isoformat()})
        text = list(lines(explain(session, person, day)))
    for line in text:
        console.print(line, markup=False)


@schedule_app.command("bench")
def schedule_bench(
    residents: Annotated[int, typer.Option(min=100)] = 10_000,
    on: Annotated[str | None, typer.Option(help="the due lists' day (YYYY-MM-DD); today")] = None,
    year: Annotated[int | None, typer.Option(help="the statutory count's 年度; the last one")]
    = None,
    database_url: Annotated[str | None, typer.Option(help="an empty PostgreSQL database")]
    = None,
) -> None:
    """A generated city of `residents` in a throw-away installation: every programme's due
    list on a day and the statutory count of a 年度, each timed."""
    from ledger.kit.calendar import fiscal_year
    from yoshin.measure.schedule_bench import print_result, run

    day = _day(on)
    print_result(run(residents, day, year or fiscal_year(day) - 1, console, database_url),
                 console)
