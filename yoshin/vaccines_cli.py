"""`yoshin vaccines`: the vaccine master as this city holds it, and adding a product to it
without a release (a JSON entry in the shape of ledger/kit/vaccines.json)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

vaccines_app = typer.Typer(help="The vaccine master (products and their programmes).",
                           no_args_is_help=True)
console = Console(soft_wrap=True, highlight=False)


@vaccines_app.command("list")
def vaccines_list() -> None:
    """Every product the master holds: programme, class, fee, live or not, and whether the
    repository ships it or an administrator added it."""
    from ledger.kit.vaccines import CATALOG
    from ledger.schedule.master_store import additions, load_into_process
    from ledger.schedule.rules import schedule
    from models.db import session_scope

    with session_scope() as session:
        load_into_process(session)
        added = {row.key: row.added_by for row in additions(session)}
    for name, known in CATALOG.items():
        series = schedule().of_product(name)
        origin = f"added by {added[name]}" if name in added else "shipped"
        console.print(f"{name:12} {known.label_ja:14} {series.id if series else '-':12} "
                      f"{known.class_}類 {known.fee:5} {'生' if known.live else '不活化':4} "
                      f"CVX {known.cvx:4} {origin}", markup=False)


@vaccines_app.command("add")
def vaccines_add(
    key: Annotated[str, typer.Argument(help="the product's ledger name, e.g. pcv21")],
    entry_file: Annotated[Path, typer.Argument(help="the product as a vaccines.json entry")],
    programme: Annotated[str, typer.Option(help="the programme (series id) it gives doses of")],
) -> None:
    """Add a product to the master. It is checked as a shipped one is; the server and the
    workers know it after their next start."""
    from ledger.schedule.master_store import MasterRefused, add_product
    from models.db import session_scope

    try:
        entry = json.loads(entry_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        console.print(f"{entry_file}: not a JSON entry ({error})")
        raise typer.Exit(1) from error
    if not isinstance(entry, dict):
        console.print(f"{entry_file}: the entry must be a JSON object")
        raise typer.Exit(1)
    try:
        with session_scope() as session:
            add_product(session, key=key, programme=programme, entry=entry,
                        actor=f"cli:{getpass.getuser()}")
    except MasterRefused as refused:
        console.print(f"refused: {refused}", markup=False)
        raise typer.Exit(1) from refused
    console.print(f"added {key} to {programme}; restart the server and the workers to use it")
