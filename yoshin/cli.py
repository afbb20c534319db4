"""`yoshin`: the one command line — serve, worker, ingest, demo and the admin tasks."""

from __future__ import annotations

import getpass
import os
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Role, User, audit
from models.db import session_scope
from models.settings import get_settings
from models.storage import keep_files_private, private_dir
from yoshin.blobs_cli import blobs_app
from yoshin.certificates_cli import certificates_app
from yoshin.notices_cli import notices_app
from yoshin.schedule_cli import schedule_app
from yoshin.vaccines_cli import vaccines_app

app = typer.Typer(help="Yoshin: scanned 予診票 to confirmed records in the vaccination ledger.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
residents_app = typer.Typer(help="The resident register.", no_args_is_help=True)
tickets_app = typer.Typer(help="Issued vaccination tickets (接種券).", no_args_is_help=True)
lots_app = typer.Typer(help="The vaccine lot master.", no_args_is_help=True)
clinics_app = typer.Typer(help="Contracted clinics (委託医療機関).", no_args_is_help=True)
samples_app = typer.Typer(help="Sample forms with ground truth.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
peers_app = typer.Typer(help="Municipalities exchanging records (転出入).", no_args_is_help=True)
my_number_app = typer.Typer(help="個人番号 at rest.", no_args_is_help=True)
for sub, name in ((certificates_app, "certificates"), (db_app, "db"), (users_app, "users"),
                  (residents_app, "residents"), (tickets_app, "tickets"), (lots_app, "lots"),
                  (clinics_app, "clinics"), (samples_app, "samples"), (audit_app, "audit"),
                  (peers_app, "peers"), (my_number_app, "my-number"),
                  (schedule_app, "schedule"), (vaccines_app, "vaccines"),
                  (notices_app, "notices"), (blobs_app, "blobs")):
    app.add_typer(sub, name=name)
console = Console()
SMALL_BULK_MIN = 10_000
DEMO_PERSONAL_SHARE = 0.5
"""Half the demo's pages are personal forms (identity printed, a serial in the QR), so a
newcomer sees both kinds of paper a city gets back once it mails notices."""


@app.callback()
def _start() -> None:
    """Before any command: whatever it writes (the database, the store, exports, the worker's
    queue folders) is readable by the service's own user only; and a wrong setting is named
    in one line, before any command trips over it."""
    keep_files_private()
    try:
        get_settings()
    except ValidationError as wrong:
        for error in wrong.errors():
            where = ".".join(str(part) for part in error["loc"])
            message = error["msg"].removeprefix("Value error, ")
            console.print(f"YOSHIN_{where.upper()}: {message}" if where else message,
                          markup=False, soft_wrap=True)
        raise typer.Exit(2) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or bring it to the newest schema."""
    from models.migrate import upgrade

    upgrade()
    console.print(f"database at the newest schema: {_where()}")


def _where() -> str:
    url = get_settings().db_url
    return url.split("@")[-1] if "@" in url else url


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000,
          workers: Annotated[int, typer.Option(min=1, help="server processes")] = 1) -> None:
    """Serve the screens and the API."""
    import uvicorn

    from models.migrate import upgrade

    upgrade()
    # Forwarded headers are believed only from the setting `trusted_proxies` (yoshin.app),
    # never from uvicorn's default list.
    uvicorn.run("yoshin.app:create_app", factory=True, host=host, port=port,
                workers=workers, log_level="info", proxy_headers=False)


@app.command()
def worker(concurrency: Annotated[int | None, typer.Option(min=1)] = None,
           beat: Annotated[bool, typer.Option(
               help="also run the schedule: the reconciler each minute, retention daily "
                    "(in exactly one worker)")] = False,
           queues: Annotated[str | None, typer.Option(
               help="serve only these queues, comma-separated: yoshin (pages, notices) or "
                    "transfers (other municipalities' bulk queries); default both")] = None,
           nice: Annotated[int | None, typer.Option(
               min=0, max=19, help="niceness, so that requests come first on shared cores "
                                   "[default: YOSHIN_WORKER_NICE, 10]")] = None) -> None:
    """Run a worker that splits and reads queued pages (and answers bulk transfer queries)."""
    from workers.celery_app import QUEUES, celery_app
    from workers.pipeline import share_cores

    settings = get_settings()
    count = concurrency or settings.worker_concurrency
    wanted = [name.strip() for name in (queues or ",".join(QUEUES)).split(",") if name.strip()]
    unknown = sorted(set(wanted) - set(QUEUES))
    if unknown or not wanted:
        console.print(f"[red]unknown queue {', '.join(unknown)}[/red]: use {', '.join(QUEUES)}")
        raise typer.Exit(2)
    os.nice(settings.worker_nice if nice is None else nice)
    share_cores(count)
    args = ["worker", "--loglevel=INFO", f"--concurrency={count}", "--without-gossip",
            "--without-mingle", "--without-heartbeat", f"--queues={','.join(wanted)}"]
    if beat:
        private_dir(settings.resolved_home)
        args += ["--beat", f"--schedule={settings.resolved_home / 'beat-schedule'}"]
    celery_app.worker_main(args)


@app.command()
def reconcile() -> None:
    """Requeue pages that stopped moving, once (the worker's --beat does it every minute)."""
    from workers.reconcile import reconcile as run

    found = run()
    console.print(f"requeued {found.stuck_reading} pages whose reading stopped, "
                  f"{found.stuck_queued} waiting queued pages, {found.unqueued} the queue "
                  f"refused and {found.notice_runs} notice runs that stopped")


@app.command()
def purge() -> None:
    """Delete what has outlived its retention period, once (--beat does it daily)."""
    from workers.retention import purge_expired

    done = purge_expired()
    console.print(f"deleted the images of {done.pages} pages ({done.files} files), "
                  f"{done.bulk_results} bulk transfer results, {done.notice_files} notice "
                  f"print files and the ledgers of {done.ledgers} residents past their "
                  "retention period")


def _create_user(username: str, role: Role, password: str | None, display_name: str = ""
                 ) -> None:
    from accounts.users import change_password

    with session_scope() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, role=role, display_name=display_name or username,
                        active=True)
            session.add(user)
        elif not user.active:  # re-enabling is a decision of its own: `users enable`
            console.print(f"[yellow]{username} stays disabled[/yellow] (`yoshin users enable`)")
        user.role = role
        session.flush()
        if password:
            change_password(session, user, password, actor="cli")
        audit.record(session, actor="cli", action="user.save", subject=f"user:{username}")


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[Role, typer.Option(help="scanner, reviewer, supervisor or admin")],
    password: Annotated[str | None, typer.Option(help="asked for when not given")] = None,
    token: Annotated[bool, typer.Option(help="also make an API token, shown once")] = False,
    replace_tokens: Annotated[bool, typer.Option(
        help="with --token: revoke the account's other tokens")] = False,
) -> None:
    """Create a staff account (or update its role and password; a new password ends the
    account's open sessions)."""
    from accounts.users import hash_token, live_tokens, new_token, revoke_tokens
    from models.users import ApiToken

    if password is None and not token:
        password = getpass.getpass(f"password for {username}: ")
    _create_user(username, role, password)
    console.print(f"user {username} ({role.value}) saved")
    if token:
        secret = new_token()
        with session_scope() as session:
            user = session.scalar(select(User).where(User.username == username))
            assert user is not None
            earlier = revoke_tokens(session, user, actor="cli") if replace_tokens \
                else len(live_tokens(user))
            session.add(ApiToken(user=user, name="cli", token_hash=hash_token(secret)))
            audit.record(session, actor="cli", action="user.token.create",
                         subject=f"user:{username}", detail={"replaced": replace_tokens})
        console.print(f"API token (shown once): {secret}")
        if earlier and replace_tokens:
            console.print(f"{earlier} earlier token(s) of {username} revoked")
        elif earlier:
            console.print(f"[yellow]{username} now has {earlier + 1} working tokens[/yellow]: "
                          "the earlier ones keep working. Revoke them with `yoshin users "
                          "revoke-tokens` (then make a new one), or pass --replace-tokens.",
                          soft_wrap=True)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@users_app.command("list")
def users_list() -> None:
    """Every account: role, whether it is enabled, last login, open sessions and tokens (for
    the periodic review of IDs and rights)."""
    from rich.table import Table
    from sqlalchemy import func

    from accounts.users import live_tokens
    from models import AuditEvent, LoginSession
    from models.base import utcnow

    table = Table("user", "name", "role", "enabled", "last login", "sessions", "tokens",
                  "last token use")
    with session_scope() as session:
        logins: dict[str, datetime] = {row[0]: row[1] for row in session.execute(
            select(AuditEvent.actor, func.max(AuditEvent.at))
            .where(AuditEvent.action == "login").group_by(AuditEvent.actor))}
        settings, now = get_settings(), utcnow()
        sessions: dict[int, int] = {row[0]: row[1] for row in session.execute(
            select(LoginSession.user_id, func.count()).where(
                LoginSession.ended_at.is_(None),
                LoginSession.last_seen_at > now - timedelta(minutes=settings.session_idle_minutes),
                LoginSession.created_at > now - timedelta(hours=settings.session_max_hours))
            .group_by(LoginSession.user_id))}
        for user in session.scalars(select(User).order_by(User.username)):
            tokens = live_tokens(user)
            used = max((t.last_used_at for t in tokens if t.last_used_at), default=None)
            table.add_row(user.username, user.display_name, user.role,
                          "yes" if user.active else "[red]no[/red]",
                          _when(logins.get(user.username)), str(sessions.get(user.id, 0)),
                          str(len(tokens)), _when(used))
    console.print(table)


def _change_user(username: str, change: Callable[[Session, User], str]) -> None:
    """Apply one lifecycle change (audited by `change`) to one account and say what it did."""
    from accounts.users import AccountError, find_user

    try:
        with session_scope() as session:
            message = change(session, find_user(session, username))
    except AccountError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from error
    console.print(message)


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Refuse the account at once: no login, its open sessions ended, its tokens refused."""
    from accounts.users import disable

    _change_user(username, lambda session, user: (
        f"user {username} disabled; {disable(session, user, actor='cli')} open session(s) "
        "ended; its tokens are refused while it is disabled"))


@users_app.command("enable")
def users_enable(username: str) -> None:
    """Let a disabled account log in (and its unrevoked tokens work) again."""
    from accounts.users import enable

    def change(session: Session, user: User) -> str:
        enable(session, user, actor="cli")
        return f"user {username} enabled"

    _change_user(username, change)


@users_app.command("set-role")
def users_set_role(
    username: str,
    role: Annotated[Role, typer.Argument(help="scanner, reviewer, supervisor, admin, …")],
) -> None:
    """Give the account another role, in force from its next request."""
    from accounts.users import change_role

    def change(session: Session, user: User) -> str:
        before = user.role
        change_role(session, user, role, actor="cli")
        return f"user {username}: role {before} → {role.value}"

    _change_user(username, change)


@users_app.command("revoke-tokens")
def users_revoke_tokens(username: str) -> None:
    """Revoke every API token of the account (make a new one with `users create --token`)."""
    from accounts.users import revoke_tokens

    _change_user(username, lambda session, user: (
        f"user {username}: {revoke_tokens(session, user, actor='cli')} token(s) revoked"))


@users_app.command("reset-passkeys")
def users_reset_passkeys(username: str) -> None:
    """Forget the account's passkeys (a lost device) and end its sessions: the next login
    with the password enrols a new passkey. Audited."""
    from accounts.users import reset_passkeys

    _change_user(username, lambda session, user: (
        f"user {username}: {reset_passkeys(session, user, actor='cli')} passkey(s) removed"))


def _import(file: Path, what: str, actor: str = "cli") -> None:
    from ledger.residents import register_import as register

    form, importer = register.IMPORTS[what]
    try:
        rows = register.read_rows(file, form)
        with session_scope() as session:
            summary = importer(session, rows, actor=actor)
    except register.ImportRefused as refused:
        console.print(f"[red]{what} not imported:[/red] {refused}")
        raise typer.Exit(1) from refused
    console.print(f"{what}: {summary.created} new, {summary.updated} updated")


@residents_app.command("import")
def residents_import(file: Path) -> None:
    """Load a resident register extract (CSV; columns in the README)."""
    _import(file, "residents")


@tickets_app.command("import")
def tickets_import(file: Path) -> None:
    """Load the list of issued vaccination tickets (接種券; CSV, after the residents)."""
    _import(file, "tickets")


@clinics_app.command("import")
def clinics_import(file: Path) -> None:
    """Load the contracted clinics and their doctors (CSV)."""
    _import(file, "clinics")


@lots_app.command("import")
def lots_import(file: Path) -> None:
    """Load the vaccine lot master (CSV)."""
    _import(file, "lots")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files or folders of scans")],
    user: Annotated[str, typer.Option(envvar="YOSHIN_USER", help="the uploading staff member")],
    label: str = "",
    wait: Annotated[bool, typer.Option(help="watch the pages being read")] = True,
) -> None:
    """Upload scans as one batch from the command line, as the upload screen does."""
    from intake.errors import UploadRejected
    from yoshin.progress import expand, store_batch, watch

    files = expand(paths)
    if not files:
        console.print("[red]no PDF, TIFF, PNG or JPEG files found[/red]")
        raise typer.Exit(1)
    try:
        batch_id = store_batch(files, user, label, console)
    except UploadRejected as refused:
        console.print(f"[red]not stored:[/red] {refused.message}")
        raise typer.Exit(1) from refused
    if wait:
        state = watch(batch_id, console)
        console.print(", ".join(f"{k} {v}" for k, v in sorted(state.counts.items())))


@app.command("watch")
def watch_folder(
    folder: Annotated[Path, typer.Argument(help="the folder a multifunction printer scans into")],
    user: Annotated[str, typer.Option(envvar="YOSHIN_USER", help="the staff member the scans "
                                      "are uploaded as")],
    settle: Annotated[float, typer.Option(min=0, help="seconds a file must stop growing "
                                          "before it is taken")] = 5.0,
    interval: Annotated[float, typer.Option(min=0.1, help="seconds between looks")] = 1.0,
    once: Annotated[bool, typer.Option(help="take what is there once it has settled, "
                                       "then stop")] = False,
) -> None:
    """Watch a folder (hot folder): each scan dropped into it is ingested as a batch, then
    moved to done/ (or to failed/ beside a .reason.txt) once the batch is committed."""
    import time

    from intake.hot_folder import HotFolder, Outcome

    if not folder.is_dir():
        console.print(f"[red]{folder} is not a folder[/red]")
        raise typer.Exit(1)
    hot = HotFolder(folder, user, settle_seconds=settle)

    def say(outcome: Outcome) -> None:
        if outcome.reason and outcome.batch_id is None:
            console.print(f"[red]failed[/red] {outcome.name}: {outcome.reason}")
        elif outcome.reason:
            console.print(f"done {outcome.name}: already stored in batch {outcome.batch_id}")
        else:
            console.print(f"done {outcome.name}: batch {outcome.batch_id}")

    console.print(f"watching {folder} for scans (uploaded as {user}; Ctrl-C stops)")
    try:
        while True:
            hot.poll(time.monotonic(), say)
            if once and not hot.waiting():
                return
            time.sleep(interval)
    except KeyboardInterrupt:
        console.print("stopped")


class Quality(StrEnum):
    """How sample pages reach the reader: three scanners, or a phone's photo on a desk."""

    CLEAN = "clean"
    OFFICE = "office"
    POOR = "poor"
    PHOTO = "photo"


class SampleForm(StrEnum):
    COVID19 = "covid19"
    INFLUENZA = "influenza"
    CHILD = "child"
    ELDERLY = "elderly"
    MIXED = "mixed"
    ALL = "all"


@samples_app.command("generate")
def samples_generate(
    directory: Path,
    count: Annotated[int, typer.Option(min=1)] = 10,
    seed: int = 1,
    quality: Quality = Quality.OFFICE,
    form: SampleForm = SampleForm.COVID19,
    personal: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="share of pages that are personal forms (printed by a notice "
        "run: identity printed, a serial in the QR; their serials in notices.csv)")] = 0.0,
) -> None:
    """Write filled, scanned sample forms with their truth, batch.pdf and batch.tif, and what
    the city knows about them (residents.csv, tickets.csv, lots.csv, clinics.csv and, with
    --personal, notices.csv)."""
    import time

    from samples.generate import SetFolderInUse, generate_set
    from yoshin.personal_print import print_personal

    started = time.monotonic()
    try:
        with console.status(f"generating {count} {quality} pages…"):
            made = generate_set(directory, count=count, seed=seed, quality=quality, form=form,
                                personal_share=personal, printer=print_personal)
    except SetFolderInUse as in_use:
        console.print(f"[red]{in_use}[/red]")
        raise typer.Exit(1) from in_use
    notices = ", notices.csv" if (made.directory / "notices.csv").exists() else ""
    console.print(f"{len(made.pages)} {quality} pages in {made.directory} "
                  f"({time.monotonic() - started:.0f} s), with batch.pdf, batch.tif, "
                  f"residents.csv, tickets.csv, lots.csv, clinics.csv{notices}")


@app.command("eval")
def eval_command(
    directory: Annotated[Path, typer.Argument(help="a generated set: pages with truth JSON")],
    json_out: Annotated[Path | None, typer.Option("--json", help="write the figures here")] = None,
) -> None:
    """Measure the reading pipeline against the truth of a generated set."""
    import json

    from yoshin.measure.eval_metrics import summarise
    from yoshin.measure.eval_report import print_report
    from yoshin.measure.eval_run import evaluate

    summary = summarise(evaluate(directory, console))
    print_report(summary, console)
    if json_out:
        json_out.write_text(json.dumps(summary, indent=2) + "\n")
        console.print(f"figures written to {json_out}")


@app.command()
def bench(
    pages: Annotated[int, typer.Option(min=1)] = 50,
    workers: Annotated[int, typer.Option(min=1)] = 2,
    quality: str = "office",
    source: Annotated[Path | None, typer.Option("--from", help="use this set, not a new one")]
    = None,
    database_url: Annotated[str | None, typer.Option(help="a PostgreSQL kept for benchmarks")]
    = None,
    broker_url: Annotated[str | None, typer.Option(help="a Redis, e.g. redis://127.0.0.1/3")]
    = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="write the figures here")] = None,
    pdf: Annotated[bool, typer.Option(help="send the pages as one PDF to a real `yoshin serve`, "
                                      "split in the queue")] = False,
) -> None:
    """Push pages through the real queue and workers; print throughput, latency, memory."""
    import json

    from yoshin.measure.bench import print_bench, run_bench

    result = run_bench(pages, workers, quality, console, database_url, broker_url, source,
                       pdf=pdf)
    print_bench(result, console)
    if json_out:
        json_out.write_text(json.dumps(result.as_dict(), indent=2) + "\n")


@clinics_app.command("token")
def clinics_token(code: Annotated[str, typer.Argument(help="医療機関コード")]) -> None:
    """Issue the API token a clinic submits digital forms with (shown once)."""
    from ledger.clinics.accounts import ClinicUnknown, issue_token

    try:
        with session_scope() as session:
            token = issue_token(session, code, actor="cli")
    except ClinicUnknown as unknown:
        console.print(f"[red]{unknown}[/red]")
        raise typer.Exit(1) from unknown
    print(f"token for clinic {code} (shown once): {token}")


@app.command("transfer-bench")
def transfer_bench(
    residents: Annotated[int, typer.Option(min=100)] = 20_000,
    queries: Annotated[int, typer.Option(min=SMALL_BULK_MIN)] = 100_000,
    rate: Annotated[float, typer.Option(help="single queries per second")] = 100.0,
    seconds: Annotated[float, typer.Option(help="how long to send single queries")] = 30.0,
    database_url: Annotated[str | None, typer.Option(help="an empty PostgreSQL database")]
    = None,
    broker_url: Annotated[str | None, typer.Option(help="a Redis, e.g. redis://127.0.0.1/3")]
    = None,
) -> None:
    """Bulk and single transfer queries against a real API and worker; time, memory, p99."""
    from yoshin.measure.transfer_bench import print_result, run

    print_result(run(residents, queries, rate, seconds, console, database_url, broker_url),
                 console)


@app.command("load-test")
def load_test(
    database_url: Annotated[str, typer.Option(help="an empty PostgreSQL database")],
    broker_url: Annotated[str, typer.Option(help="a Redis, e.g. redis://127.0.0.1:6379/6")],
    seconds: Annotated[float, typer.Option(min=5)] = 60.0,
    rate: Annotated[float, typer.Option(help="transfer queries per second")] = 100.0,
    uploaders: Annotated[int, typer.Option(min=0)] = 20,
    reviewers: Annotated[int, typer.Option(min=0)] = 20,
) -> None:
    """Uploaders, reviewers and transfer queries together against a real API and worker;
    errors, throughput and p50/p99 per kind of request."""
    from yoshin.measure.load_test import print_result, run

    result = run(seconds, rate, uploaders, reviewers, console, database_url, broker_url)
    print_result(result, console)
    if result.error_count:
        raise typer.Exit(1)


@peers_app.command("add")
def peers_add(
    code: Annotated[str, typer.Argument(help="the peer's 自治体コード (6 digits)")],
    url: Annotated[str, typer.Option(help="the peer's Yoshin address, e.g. https://…")],
    name: str = "",
    outbound_token: Annotated[str | None, typer.Option(
        help="the token the peer issued to this city, sent when asking it")] = None,
    inbound_token: Annotated[str | None, typer.Option(
        help="the token the peer will present to us; made up when not given")] = None,
) -> None:
    """Configure a municipality to answer and to ask; prints the token it must present."""
    from ledger.transfers.peers import PeerRefused, add_peer

    try:
        with session_scope() as session:
            token = add_peer(session, code=code, url=url, name=name, outbound=outbound_token,
                             inbound=inbound_token, actor="cli")
    except PeerRefused as refused:
        console.print(f"[red]{refused}[/red]")
        raise typer.Exit(1) from refused
    print(f"peer {code} configured; the token it presents to this city (shown once): {token}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain (keyed hashes, each entry following the one before) and that
    the database still holds every head in the checkpoint file."""
    from models.audit import check

    with session_scope() as session:
        report = check(session)
    shown = 50
    for problem in report.problems[:shown]:
        where = (f"checkpoint line {problem.checkpoint_line}"
                 if problem.checkpoint_line is not None else f"entry {problem.event_id}")
        console.print(f"[red]{where}[/red]: {problem.problem}", soft_wrap=True)
    if len(report.problems) > shown:
        console.print(f"… and {len(report.problems) - shown} more problems")
    for note in report.notes:
        console.print(f"[yellow]note[/yellow]: {note}", soft_wrap=True)
    legacy = f" ({report.legacy} with plain hashes from before the keyed chain)" \
        if report.legacy else ""
    console.print(f"{report.count} entries checked{legacy} against {report.checkpoints} "
                  f"checkpoints, {len(report.problems)} problems", soft_wrap=True)
    if report.problems:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Append a signed checkpoint of the chain's head to YOSHIN_AUDIT_CHECKPOINT_FILE (beat
    does it every YOSHIN_AUDIT_CHECKPOINT_EVERY_SECONDS); run once right after upgrading."""
    from models.audit import checkpoint_path, write_checkpoint

    with session_scope() as session:
        checkpoint = write_checkpoint(session)
    console.print(f"checkpoint of entry {checkpoint.event_id} ({checkpoint.count} entries) "
                  f"appended to {checkpoint_path()}", soft_wrap=True)


@my_number_app.command("rekey")
def my_number_rekey() -> None:
    """Re-encrypt every stored My Number under YOSHIN_MY_NUMBER_KEY_FILE (after a rotation:
    set the new key file, list the old one in YOSHIN_MY_NUMBER_OLD_KEY_FILES, run this, then
    remove the old key)."""
    from ledger.residents.my_number import rekey_batch

    moved, last_id = 0, 0
    while True:
        with session_scope() as session:
            count, last = rekey_batch(session, after_id=last_id)
            if last is None:
                audit.record(session, actor="cli", action="my_number.rekey",
                             detail={"rows": moved})
                break
        moved, last_id = moved + count, last
    console.print(f"{moved} My Numbers re-encrypted under the current key")


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Argument(help="JSON Lines file to write")],
    since: Annotated[str, typer.Option(help="first day, YYYY-MM-DD")],
    until: Annotated[str, typer.Option(help="day after the last, YYYY-MM-DD")],
) -> None:
    """Export a period's audit entries with their chain hashes (the yearly self-check)."""
    import json
    from datetime import UTC, date, datetime

    from models.audit import export

    try:
        start, end = (datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC)
                      for day in (since, until))
    except ValueError:
        console.print("[red]--since and --until are dates, YYYY-MM-DD[/red]")
        raise typer.Exit(2) from None
    count = 0
    with session_scope() as session, out.open("w", encoding="utf-8") as handle:
        for entry in export(session, start, end):
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
            count += 1
        audit.record(session, actor="cli", action="audit.export",
                     subject=f"{since}..{until}", detail={"entries": count})
    console.print(f"{count} audit entries from {since} to before {until} written to {out}")


@app.command()
def demo(
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve")] = True,
    pages: int = 8,
    port: int = 8000,
) -> None:
    """The whole flow on this machine: sample residents and scans, read, ready to review."""
    from models.migrate import upgrade
    from samples.generate import generate_set
    from samples.sets import RESERVED_SEEDS
    from yoshin.city import load_city
    from yoshin.demo_summary import summarise
    from yoshin.personal_print import print_personal
    from yoshin.progress import store_batch, watch
    from yoshin.worker_process import start_worker, stop_process_group

    settings = get_settings()
    upgrade()
    console.print(f"database: {_where()}")
    logins = {name: "demo-" + secrets.token_hex(4)
              for name in ("scanner", "reviewer", "supervisor", "admin")}
    for name, password in logins.items():
        _create_user(name, Role(name), password)
    seed = secrets.randbelow(RESERVED_SEEDS.start)
    made = generate_set(settings.resolved_home / "demo" / f"set-{seed}", count=pages, seed=seed,
                        quality="office", form="all", personal_share=DEMO_PERSONAL_SHARE,
                        printer=print_personal)
    console.print(f"generated {len(made.pages)} sample forms (seed {seed}) in {made.directory},"
                  " some of them personal forms a notice run printed")
    load_city(made.directory, actor="demo")
    console.print("imported the resident register, the issued tickets, the lot master and the "
                  "serials of the personal forms mailed")
    env = {**os.environ, "YOSHIN_HOME": str(settings.resolved_home)}
    worker_process = start_worker(env, settings.resolved_home / "demo-worker.log")
    try:
        batch_id = store_batch([made.batch_pdf], "scanner", f"demo {seed}", console)
        watch(batch_id, console, timeout=1800)
        total, records = summarise(batch_id, console)
        if serve_after:
            console.print(f"\nopen http://127.0.0.1:{port}/ in a browser (Ctrl-C to stop):")
            for name, password in logins.items():
                console.print(f"  log in as {name} / {password}")
            console.print("  the reviewer's queue holds the pages above that need a person")
            serve(port=port)
    finally:
        stop_process_group(worker_process)
    print(f"demo: {total} pages, {records} records committed")
