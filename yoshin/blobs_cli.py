"""`yoshin blobs`: moving the files of an installation into the database, when it turns to
`YOSHIN_BLOB_STORE=database` to add workers on other machines."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.progress import Progress

blobs_app = typer.Typer(help="Where uploads and page images are kept.", no_args_is_help=True)
console = Console(soft_wrap=True, highlight=False)


@blobs_app.command("move-to-database")
def move_to_database() -> None:
    """Move every file of YOSHIN_HOME/store into the database (run with the servers
    stopped, once YOSHIN_BLOB_STORE=database is set; safe to run again if it stops)."""
    from models import blobs
    from models.settings import get_settings

    files = blobs.files_in_folder()
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("moving", total=len(files))
            result = blobs.move_folder_into_database(
                files, done=lambda _: progress.advance(task))
    except blobs.NotInDatabase as refused:
        console.print(str(refused), markup=False)
        raise typer.Exit(2) from None
    console.print(f"{result.moved} files moved into the database, {result.already} were "
                  f"there already")
    if result.damaged:
        console.print(f"{len(result.damaged)} files left in {get_settings().store_dir}: their "
                      "content no longer matches their name (damaged on disk): "
                      + ", ".join(name[:12] for name in result.damaged))
        raise typer.Exit(1)
