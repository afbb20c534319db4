"""The audit chain against someone who can write the database but not read the key file:
entries cut from the end after a checkpoint, an entry changed and the chain rehashed (plainly,
or with a key of their own) are all found by `yoshin audit verify`, which names the entry or
checkpoint that fails. Each test runs on a fresh installation, on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from typer.testing import CliRunner

from models import AuditEvent, audit
from models.db import get_engine, session_scope
from models.keys import audit_chain_key
from tests.stack import postgres_database
from yoshin.cli import app
from yoshin.measure.harness import isolated_home

Digest = Callable[[bytes], str]


def _plain(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _keyed(key: bytes) -> Digest:
    return lambda body: hmac.new(key, body, hashlib.sha256).hexdigest()


@pytest.fixture(params=["sqlite", "postgresql"])
def installation(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A fresh home, database and secret key; yields the home."""
    from models.migrate import upgrade

    home = tmp_path / "home"
    if request.param == "sqlite":
        with isolated_home(home):
            upgrade()
            yield home
            get_engine().dispose()
        return
    with postgres_database() as url, isolated_home(home, database_url=url):
        upgrade()
        yield home
        get_engine().dispose()


def _entries(n: int) -> list[int]:
    """Ids of `n` new entries: an entry is chained and numbered when its transaction commits."""
    with session_scope() as session:
        entries = [audit.record(session, actor="test", action="probe", subject=f"s{i}",
                                detail={"n": i}) for i in range(n)]
    return [entry.id for entry in entries]


def _checkpoint() -> audit.Checkpoint:
    with session_scope() as session:
        return audit.write_checkpoint(session)


def _report() -> audit.ChainReport:
    with session_scope() as session:
        return audit.check(session)


def _cli_verify() -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify"])
    return result.exit_code, result.output


def _body(event: AuditEvent) -> bytes:
    """What an entry's hash covers, as anyone reading models/audit.py can rebuild it."""
    return json.dumps([event.prev_hash, audit._stamp(event.at), event.actor, event.action,
                       event.resident_id, event.subject, event.detail],
                      ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _rewrite(from_id: int, digest: Digest, actor: str = "someone else") -> None:
    """Change entry `from_id` and rehash it and every entry after it, so that each entry
    follows the one before and each hash is `digest` of its content."""
    with session_scope() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.id >= from_id)
                                      .order_by(AuditEvent.id)))
        prev = session.scalar(select(AuditEvent.hash).where(AuditEvent.id < from_id)
                              .order_by(AuditEvent.id.desc()).limit(1)) or audit.GENESIS
        events[0].actor = actor
        for event in events:
            event.prev_hash = prev
            event.hash = digest(_body(event))
            session.flush()
            prev = event.hash


def test_an_untouched_chain_passes_and_is_keyed(installation: Path) -> None:
    first = _entries(30)
    _checkpoint()
    _entries(5)
    _checkpoint()
    report = _report()
    assert report.problems == [] and report.count == 35 and report.checkpoints == 2
    assert report.legacy == 0 and report.notes == []
    with session_scope() as session:
        event = session.get(AuditEvent, first[3])
        assert event.hash == _keyed(audit_chain_key())(_body(event))
        assert event.hash != _plain(_body(event))  # not computable without the key
    code, output = _cli_verify()
    assert code == 0, output
    assert "35 entries checked against 2 checkpoints, 0 problems" in output


def test_cutting_the_last_20_entries_after_a_checkpoint_fails(installation: Path) -> None:
    ids = _entries(40)
    head = _checkpoint()
    assert (head.event_id, head.count) == (ids[-1], 40)
    with session_scope() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.id.in_(ids[-20:])))
    report = _report()
    assert report.count == 20
    assert [(p.event_id, p.checkpoint_line) for p in report.problems] == [(ids[-1], 1)]
    assert f"entry {ids[-1]} is gone" in report.problems[0].problem
    code, output = _cli_verify()
    assert code == 1 and "checkpoint line 1" in output and "cut back" in output

    _entries(25)  # the log goes on (SQLite hands the cut ids out again) and is checkpointed
    _checkpoint()
    report = _report()
    assert [(p.event_id, p.checkpoint_line) for p in report.problems] == [(ids[-1], 1)]


def test_changing_an_entry_and_recomputing_plain_hashes_fails(installation: Path) -> None:
    ids = _entries(10)
    _checkpoint()
    ids += _entries(20)
    _rewrite(ids[15], _plain)
    report = _report()
    assert report.problems and report.problems[0].event_id == ids[15]
    assert "plain SHA-256" in report.problems[0].problem
    assert {p.event_id for p in report.problems} == set(ids[15:])
    code, output = _cli_verify()
    assert code == 1 and f"entry {ids[15]}" in output

    _rewrite(ids[0], _plain)  # the whole log rehashed plainly, as if written before the key
    report = _report()
    assert report.problems[0].event_id == ids[0]
    assert "no checkpoint vouches" in report.problems[0].problem
    assert any(p.checkpoint_line == 1 and "no longer has the checkpointed hash" in p.problem
               for p in report.problems)


def test_recomputing_with_a_wrong_key_fails(installation: Path) -> None:
    ids = _entries(10)
    _checkpoint()
    ids += _entries(10)
    _rewrite(ids[12], _keyed(os.urandom(32)))
    report = _report()
    assert report.problems[0].event_id == ids[12]
    assert "keyed hash" in report.problems[0].problem
    assert {p.event_id for p in report.problems} == set(ids[12:])

    # The same rewrite with this installation's key passes where no checkpoint covers it:
    # the key, not the formula, is what makes the chain hold ...
    _rewrite(ids[12], _keyed(audit_chain_key()))
    assert _report().problems == []
    # ... and what a checkpoint covers cannot be rewritten even with the key.
    _rewrite(ids[5], _keyed(audit_chain_key()))
    report = _report()
    assert [(p.event_id, p.checkpoint_line) for p in report.problems] == [(ids[9], 1)]


def test_the_checkpoint_file_is_0600_and_each_line_verifies(installation: Path,
                                                            monkeypatch) -> None:  # noqa: ANN001
    from models.settings import get_settings
    from workers.celery_app import make_celery
    from workers.tasks import audit_checkpoint

    target = installation / "anchors" / "audit.jsonl"
    monkeypatch.setenv("YOSHIN_AUDIT_CHECKPOINT_FILE", str(target))
    monkeypatch.setenv("YOSHIN_AUDIT_CHECKPOINT_EVERY_SECONDS", "600")
    get_settings.cache_clear()
    schedule = make_celery(get_settings()).conf.beat_schedule["audit-checkpoint"]
    assert schedule == {"task": "yoshin.audit_checkpoint", "schedule": 600.0}

    _entries(3)
    previous = os.umask(0o022)  # the file is private by its own mode, whatever the umask
    try:
        _checkpoint()
    finally:
        os.umask(previous)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    _entries(2)
    audit_checkpoint()  # the beat task
    result = CliRunner().invoke(app, ["audit", "checkpoint"])
    assert result.exit_code == 0 and "(5 entries)" in result.output, result.output

    lines = target.read_text().splitlines()
    checkpoints = [audit.parse_checkpoint(line) for line in lines]
    assert all(c is not None for c in checkpoints)
    with session_scope() as session:
        hashes = dict(session.execute(select(AuditEvent.id, AuditEvent.hash)).all())
    assert [c.count for c in checkpoints if c] == [3, 5, 5]
    assert all(hashes[c.event_id] == c.hash for c in checkpoints if c)

    forged = json.loads(lines[0]) | {"count": 2}  # a checkpoint edited to allow a cut
    target.write_text("\n".join([json.dumps(forged), *lines[1:]]) + "\n")
    assert audit.parse_checkpoint(json.dumps(forged)) is None
    report = _report()
    assert [p.checkpoint_line for p in report.problems] == [1]
    assert "not a checkpoint signed" in report.problems[0].problem
    get_settings.cache_clear()


def test_entries_from_before_the_keyed_chain_pass_once_a_checkpoint_vouches_for_them(
        installation: Path, monkeypatch) -> None:  # noqa: ANN001
    """An upgraded database: its old entries carry plain hashes. They fail verify until the
    first checkpoint fixes where they end; entries after it must be keyed."""
    def plain_digest(*fields: object, key: bytes | None = None) -> str:
        return _plain(json.dumps([fields[0], audit._stamp(fields[1]), *fields[2:]],  # type: ignore[arg-type]
                                 ensure_ascii=False, sort_keys=True,
                                 separators=(",", ":")).encode())

    with monkeypatch.context() as old_code:
        old_code.setattr(audit, "_digest", plain_digest)
        old = _entries(5)
    assert _report().problems[0].event_id == old[0]
    code, output = _cli_verify()
    assert code == 1 and "yoshin audit checkpoint" in output

    new = _entries(3)
    assert _checkpoint().legacy_until == old[-1]
    report = _report()
    assert report.problems == [] and report.legacy == 5
    code, output = _cli_verify()
    assert code == 0 and "5 with plain hashes" in output

    _rewrite(new[1], _plain)
    assert _report().problems[0].event_id == new[1]


def test_an_entry_is_written_with_its_commit_and_dropped_with_its_rollback(
        installation: Path) -> None:
    """Entries are chained inside the commit: one recorded in a savepoint that is rolled back,
    or in a transaction that is, never appears; the others are chained in order."""
    with session_scope() as session:
        audit.record(session, actor="test", action="kept.before")
        with contextlib.suppress(RuntimeError), session.begin_nested():
            audit.record(session, actor="test", action="dropped.savepoint")
            raise RuntimeError("the savepoint's work failed")
        with session.begin_nested():
            audit.record(session, actor="test", action="kept.savepoint")
        audit.record(session, actor="test", action="kept.after")
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    with contextlib.suppress(RuntimeError), session_scope() as session:
        audit.record(session, actor="test", action="dropped.transaction")
        raise RuntimeError("the request failed")
    with session_scope() as session:
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["kept.before", "kept.savepoint", "kept.after"]
    assert _report().problems == []
