"""A notice run's files: the print-ready PDF and the mailing CSV, written into the blob store
(models.storage) by whoever renders the run — a worker after the request that created the
run has committed (workers.tasks.render_notices), or the command line in its own process.

Rendering is idempotent. A run already done (or failed) is left as it is. Each rendering
takes the run with a new attempt number, and writes its progress and its result only while
that number is still the run's: a second delivery of the same task takes the run over and
the first stops at its next chunk. The files are content-addressed and drawn byte for byte
the same each time (the same notices in the same chunks), so a rendering repeated after a
lost worker stores nothing twice. A run whose
rendering keeps stopping ends failed after MAX_ATTEMPTS, as a page that keeps killing its
worker does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ledger.kit.csv_cells import writer as csv_writer
from ledger.reports.programmes import UnknownProgramme, programme
from models import NoticeRun, NoticeRunState, NoticeSerial, audit
from models.base import utcnow
from models.blobs import local_path, put_file
from models.clock import city_day
from models.db import session_scope
from models.settings import get_settings
from models.storage import incoming_file
from notices.forms import NoPrintedForm, form_for
from notices.mailing import COLUMNS, mailing_rows
from notices.pdf import CHUNK, Notice, write
from notices.service import notices_of
from ocr import FormSpec

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
Progress = Callable[[int], None]


class Superseded(Exception):
    """Another rendering of the same run has taken it over: this one stops, storing nothing."""


@dataclass(frozen=True)
class _Job:
    run_id: int
    attempt: int
    notices: list[Notice]
    spec: FormSpec
    blank_pdf: Path
    issued_on: date


def render_run(run_id: int, *, chunk: int = CHUNK, progress: Progress | None = None) -> str:
    """Make the run's files unless they are made; returns the run's state afterwards.
    `progress` hears the notices written after each chunk (the command line's bar)."""
    job = _claim(run_id)
    if job is None:
        return _state(run_id)
    try:
        pdf_sha, csv_sha = _write_files(job, chunk, progress)
        _settle(job, state=NoticeRunState.DONE, progress=len(job.notices),
                pdf_sha256=pdf_sha, csv_sha256=csv_sha)
    except Superseded:
        pass
    except Exception as error:  # the run says why; nothing of a person is in the reason
        log.error("notice run %d: rendering failed (%s)", run_id, type(error).__name__)
        try:
            _settle(job, state=NoticeRunState.FAILED, reason=_reason(error))
        except Superseded:
            pass
    return _state(run_id)


def files_of(run: NoticeRun) -> tuple[Path, Path] | None:
    """Where a done run's PDF and CSV are stored; None for a run without files (not done
    yet, or printed elsewhere)."""
    if run.state != NoticeRunState.DONE or run.pdf_sha256 is None or run.csv_sha256 is None:
        return None
    return local_path(run.pdf_sha256), local_path(run.csv_sha256)


class NotRetryable(Exception):
    """A run that may not be drawn again: its message says why, in Japanese and English."""


def retry(session: Session, run: NoticeRun, *, actor: str) -> None:
    """Put a failed run back in the queue, to be drawn again from the serials it issued (the
    caller queues the rendering once this commits); audited. Refused for a run that has not
    failed, and for one some of whose people were printed again since: their serials here
    were withdrawn, and a form carrying one would be refused when it came back."""
    if run.state != NoticeRunState.FAILED:
        raise NotRetryable(f"失敗した通知だけを再実行できます (notice run {run.id} is "
                           f"{run.state}, not failed)")
    withdrawn = session.scalar(select(func.count()).select_from(NoticeSerial).where(
        NoticeSerial.run_id == run.id, NoticeSerial.withdrawn_at.is_not(None)))
    if withdrawn:
        raise NotRetryable(f"{withdrawn} 人の予診票がその後の通知で再発行されています。新しい"
                           f"通知を作成してください ({withdrawn} people of run {run.id} were "
                           "printed again since; make a new run)")
    run.state, run.reason, run.progress, run.attempts = NoticeRunState.QUEUED, "", 0, 0
    run.finished_at = None
    audit.record(session, actor=actor, action="notices.retry", subject=f"notice_run:{run.id}",
                 detail={"programme": run.programme, "people": run.people})


FILES_REMOVED = "印刷用のPDFと送付先CSVは保存期間を過ぎたため削除しました"
"""What a run whose files the retention purge removed says of them."""


def forget_files(session: Session, finished_before: datetime) -> set[str]:
    """Take the files off every run finished before `finished_before` and say so on the run;
    the blobs to delete once the session commits. The run, its serials and its audit stay:
    a personal form coming back is still matched by its serial. The files hold the names
    and addresses of everyone mailed, and are needed only until the print shop has them."""
    blobs: set[str] = set()
    for run in session.scalars(select(NoticeRun).where(
            NoticeRun.finished_at < finished_before, NoticeRun.pdf_sha256.is_not(None))
            .with_for_update(skip_locked=True)):
        blobs.update(sha for sha in (run.pdf_sha256, run.csv_sha256) if sha)
        run.pdf_sha256 = run.csv_sha256 = None
        run.reason = FILES_REMOVED
    return blobs


def _state(run_id: int) -> str:
    with session_scope() as session:
        run = session.get(NoticeRun, run_id)
        return "missing" if run is None else run.state


def _claim(run_id: int) -> _Job | None:
    """Take the run for a new attempt, or None when there is nothing to render."""
    with session_scope() as session:
        run = session.get(NoticeRun, run_id, with_for_update=True)
        if run is None:
            log.error("notice run %d: no such run", run_id)
            return None
        if run.state in (NoticeRunState.DONE, NoticeRunState.FAILED):
            return None
        if run.attempts >= MAX_ATTEMPTS:
            _fail_now(run, f"描画が {run.attempts} 回途中で止まりました "
                           f"(rendering stopped {run.attempts} times)")
            return None
        run.attempts += 1
        run.state, run.progress, run.reason = NoticeRunState.RENDERING, 0, ""
        return _job(session, run)


def _job(session: Session, run: NoticeRun) -> _Job | None:
    """What the attempt draws, read in the claim's transaction; a run that can no longer be
    drawn (its programme or form gone from the master since) is failed with the reason."""
    try:
        series = programme(run.programme)
        spec = form_for(series)
        notices = notices_of(session, run, series.name_ja)
    except (UnknownProgramme, NoPrintedForm, ValueError) as refused:
        _fail_now(run, f"通知を作れません (cannot be drawn): {refused}")
        return None
    return _Job(run.id, run.attempts, notices, spec,
                get_settings().forms_dir / f"{spec.form_id}.pdf", city_day(run.created_at))


def _fail_now(run: NoticeRun, reason: str) -> None:
    run.state, run.reason, run.finished_at = NoticeRunState.FAILED, reason, utcnow()


def _write_files(job: _Job, chunk: int, progress: Progress | None) -> tuple[str, str]:
    """The PDF a chunk at a time and the CSV, each into a file in the store's folder, then
    moved into place under its hash once this attempt is known to be still the run's."""
    pdf, csv = incoming_file(), incoming_file()

    def written(done: int) -> None:
        _settle(job, progress=done)
        if progress is not None:
            progress(done)

    try:
        with pdf.open("wb") as out:
            write(job.notices, job.spec, job.blank_pdf, out,
                  issuer=get_settings().issuer_name_ja, issued_on=job.issued_on, chunk=chunk,
                  progress=written)
        with csv.open("w", encoding="utf-8-sig", newline="") as handle:
            rows = csv_writer(handle)
            rows.writerow(COLUMNS)
            for row in mailing_rows(job.notices):
                rows.writerow([row[column] for column in COLUMNS])
        _settle(job, progress=len(job.notices))
        return put_file(pdf)[0], put_file(csv)[0]
    finally:
        pdf.unlink(missing_ok=True)
        csv.unlink(missing_ok=True)


def _settle(job: _Job, *, state: str | None = None, **values: object) -> None:
    """Write to the run only while this attempt is the run's own; Superseded otherwise."""
    if state is not None:
        values |= {"state": state, "finished_at": utcnow()}
    with session_scope() as session:
        result = session.execute(update(NoticeRun).where(
            NoticeRun.id == job.run_id, NoticeRun.attempts == job.attempt,
            NoticeRun.state == NoticeRunState.RENDERING).values(**values))
        if not getattr(result, "rowcount", 0):
            raise Superseded(f"notice run {job.run_id}: attempt {job.attempt} taken over")


def _reason(error: Exception) -> str:
    """Why, for the person who runs it again: the kind of error, and the system's own words
    for a file error (a full disk); never the error's text, which may quote a name."""
    said = f": {error.strerror}" if isinstance(error, OSError) and error.strerror else ""
    return f"描画できませんでした (rendering failed): {type(error).__name__}{said}"
