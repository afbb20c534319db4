"""Engine and sessions. One engine per process (workers fork), one session per request or task."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from models.settings import get_settings
from models.storage import private_dir

_engines: dict[tuple[int, str], Engine] = {}


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API types vary
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_immediate(connection) -> None:  # noqa: ANN001
    """Take SQLite's write lock at the start, so concurrent workers wait instead of failing on
    a stale snapshot when they write."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    settings = get_settings()
    return create_engine(url, pool_pre_ping=True, pool_size=settings.db_pool_size,
                         max_overflow=settings.db_max_overflow)


def _private_sqlite_file(path: Path) -> None:
    """Make the embedded database file 0600 in a 0700 folder before SQLite opens it: SQLite
    would create it with the process umask (0644 by default), and gives its journal and WAL
    files the database file's mode."""
    if str(path) == ":memory:" or not path.name:
        return
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def get_engine() -> Engine:
    """The engine of this process; a forked worker child gets its own, never its parent's."""
    url = get_settings().db_url
    key = (os.getpid(), url)
    if key not in _engines:
        if url.startswith("sqlite:///"):
            _private_sqlite_file(Path(url.removeprefix("sqlite:///").split("?")[0]))
        _engines[key] = make_engine(url)
    return _engines[key]


def new_session() -> Session:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work: commits when the block ends, rolls back if it raises."""
    session = new_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
