"""`yoshin notices run`: a mailing of notices with personal forms for a programme and month."""

from __future__ import annotations

import getpass
import shutil
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

notices_app = typer.Typer(help="Notices with personal forms (個別通知).", no_args_is_help=True)
console = Console(soft_wrap=True, highlight=False)


@notices_app.command("run")
def notices_run(
    programme: Annotated[str, typer.Option(help="a programme (hpv, mr…) or a product")],
    month: Annotated[str, typer.Option(help="the month whose new targets are notified, YYYY-MM")],
    out: Annotated[Path, typer.Option(help="folder for the PDF and the mailing CSV")],
    reminders: Annotated[bool, typer.Option(help="also remind the overdue (再勧奨)")] = False,
) -> None:
    """Everyone due for the programme in the month: a letter and a personal 予診票 each, as
    one PDF, and the mailing list for the print contractor. Audited; a person printed again
    keeps only the new form's serial. Drawn here, by the same code a worker runs for the
    screen's runs (notices.files), then copied from the blob store into OUT."""
    from ledger.reports.programmes import UnknownProgramme
    from models import NoticeRun
    from models.db import session_scope
    from notices.files import files_of, render_run
    from notices.forms import NoPrintedForm
    from notices.service import run_notices

    started = time.monotonic()
    try:
        with session_scope() as session:
            batch = run_notices(session, programme_name=programme, month=month,
                                reminders=reminders, actor=f"cli:{getpass.getuser()}")
            run_id, people = batch.run.id, len(batch.notices)
            reminded = sum(notice.reminder for notice in batch.notices)
    except (UnknownProgramme, NoPrintedForm, ValueError) as refused:
        console.print(f"refused: {refused}", markup=False)
        raise typer.Exit(1) from refused
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("rendering", total=people)
        render_run(run_id, progress=lambda done: progress.update(task, completed=done))
    with session_scope() as session:
        run = session.get_one(NoticeRun, run_id)
        files, reason = files_of(run), run.reason
    if files is None:
        console.print(f"notice run {run_id}: not rendered: {reason}", markup=False)
        raise typer.Exit(1)
    out.mkdir(parents=True, exist_ok=True)
    pdf, csv_path = out / f"notices-{run_id}.pdf", out / f"mailing-{run_id}.csv"
    shutil.copyfile(files[0], pdf)
    shutil.copyfile(files[1], csv_path)
    console.print(f"notice run {run_id}: {people} people ({reminded} reminded), {pdf} and "
                  f"{csv_path} in {time.monotonic() - started:.1f} s")
