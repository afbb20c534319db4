"""`yoshin notices run`: a mailing of notices with personal forms for a programme and month."""

from __future__ import annotations

import getpass
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
    keeps only the new form's serial."""
    from ledger.kit.csv_cells import writer as csv_writer
    from ledger.reports.programmes import UnknownProgramme
    from models.db import session_scope
    from models.settings import get_settings
    from notices.forms import NoPrintedForm
    from notices.mailing import COLUMNS, mailing_rows
    from notices.pdf import render
    from notices.service import run_notices

    started = time.monotonic()
    try:
        with session_scope() as session:
            batch = run_notices(session, programme_name=programme, month=month,
                                reminders=reminders, actor=f"cli:{getpass.getuser()}")
            run_id = batch.run.id
    except (UnknownProgramme, NoPrintedForm, ValueError) as refused:
        console.print(f"refused: {refused}", markup=False)
        raise typer.Exit(1) from refused
    settings = get_settings()
    out.mkdir(parents=True, exist_ok=True)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("rendering", total=len(batch.notices))
        data = render(batch.notices, batch.form, settings.forms_dir / f"{batch.form.form_id}.pdf",
                      issuer=settings.issuer_name_ja, issued_on=batch.run.created_at.date(),
                      progress=lambda done: progress.update(task, completed=done))
    pdf = out / f"notices-{run_id}.pdf"
    pdf.write_bytes(data)
    csv_path = out / f"mailing-{run_id}.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        rows = csv_writer(handle)
        rows.writerow(COLUMNS)
        for row in mailing_rows(batch.notices):
            rows.writerow([row[column] for column in COLUMNS])
    console.print(f"notice run {run_id}: {len(batch.notices)} people "
                  f"({sum(n.reminder for n in batch.notices)} reminded), {pdf} and {csv_path} "
                  f"in {time.monotonic() - started:.1f} s")
