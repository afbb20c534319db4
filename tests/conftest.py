"""Shared fixtures. In-process tests get an embedded-default home of their own; integration
tests start real `yoshin serve` / `yoshin worker` processes (see tests/stack.py)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="yoshin-tests-"))
os.environ["YOSHIN_HOME"] = str(_SESSION_HOME / "inprocess")
os.environ["YOSHIN_PASSKEY_ROLES"] = "[]"  # passkeys are tested on their own (test_passkeys)
for name in ("YOSHIN_DATABASE_URL", "YOSHIN_BROKER_URL"):
    os.environ.pop(name, None)

import pytest  # noqa: E402

from tests.stack import Stack, postgres_database, redis_database  # noqa: E402

ARTIFACTS = Path(os.environ.get("YOSHIN_TEST_ARTIFACTS", "test-artifacts")).resolve()


@pytest.fixture(scope="session", autouse=True)
def no_my_number_leaks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """After the last test, whatever the order, and after every server and worker a test
    started has stopped: no file the run wrote may hold a My Number (tests/leak_scan.py)."""
    yield
    from tests.leak_scan import find_leaks

    base = tmp_path_factory.getbasetemp()
    _, leaks = find_leaks(base, [base, ARTIFACTS])
    if leaks:
        pytest.fail("My Numbers were written where they must not be:\n" + "\n".join(leaks))


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set YOSHIN_* variables for one test, the settings read afresh."""
    from models.settings import get_settings

    get_settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def sample_set(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """Twenty clean covid19 forms with their truth, what the city knows, and batch.pdf."""
    from samples.generate import generate_set

    return generate_set(tmp_path_factory.mktemp("samples"), count=20, seed=20261127,
                        quality="clean")


def _sqlite_file() -> Path | None:
    """The in-process database's file, if the settings name the embedded SQLite one and it
    exists (a module that points the settings at PostgreSQL has a database of its own)."""
    from models.settings import get_settings

    settings = get_settings()
    path = settings.resolved_home / "yoshin.db"
    return path if settings.database_url is None and path.exists() else None


def _empty_database() -> None:
    from models.audit import checkpoint_path
    from models.base import Base
    from models.db import session_scope

    with session_scope() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
    checkpoint_path().unlink(missing_ok=True)  # it names entries of the emptied chain


@pytest.fixture(scope="module", autouse=True)
def clean_inprocess_database() -> None:
    """Each test module starts from an empty in-process database, whatever order the modules
    run in; its own module-scoped fixtures (a town, a clinic) then build what its tests
    share, and `clean_state_per_test` keeps each test to that state."""
    if _sqlite_file() is not None:
        _empty_database()


class _Baseline:
    """A module's database as its fixtures left it: the SQLite pages (copied with SQLite's
    own backup, which the open connections see at once) and the audit checkpoint file."""

    def __init__(self, path: Path) -> None:
        import sqlite3

        from models.audit import checkpoint_path

        self.path = path
        self.pages = sqlite3.connect(":memory:")
        with closing(sqlite3.connect(path)) as live:
            live.backup(self.pages)
        checkpoints = checkpoint_path()
        self.checkpoints = checkpoints.read_bytes() if checkpoints.exists() else None

    def restore(self) -> None:
        import sqlite3

        from models.audit import checkpoint_path

        with closing(sqlite3.connect(self.path)) as live:
            self.pages.backup(live)
        checkpoints = checkpoint_path()
        if self.checkpoints is None:
            checkpoints.unlink(missing_ok=True)
        else:
            checkpoints.write_bytes(self.checkpoints)


_baselines: dict[tuple[str, Path], tuple[frozenset[str], _Baseline]] = {}


@pytest.fixture(autouse=True)
def clean_state_per_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts from its module's baseline: an empty database plus what the module's
    (and the session's) fixtures made, never a row an earlier test wrote. After the test the
    database is put back to that baseline. A module fixture first made for a later test is
    written onto the baseline and joins it."""
    path = _sqlite_file()
    if path is None:
        yield
        if _sqlite_file() is not None:  # the test made the database: leave it empty
            _empty_database()
        return
    defs = request.node._fixtureinfo.name2fixturedefs
    shared = frozenset(name for name in request.fixturenames
                       if name in defs and defs[name][-1].scope != "function")
    key = (request.node.module.__name__, path)
    for other in [k for k in _baselines if k[0] != key[0]]:
        del _baselines[other]  # an earlier module's: never needed again
    known = _baselines.get(key)
    if known is None or not shared <= known[0]:
        known = (shared | (known[0] if known else frozenset()), _Baseline(path))
        _baselines[key] = known
    yield
    known[1].restore()


@pytest.fixture(scope="session")
def inprocess_db() -> Path:
    """The in-process tests' database, migrated once."""
    from models.migrate import upgrade

    upgrade()
    return Path(os.environ["YOSHIN_HOME"])


@pytest.fixture(params=["embedded", "postgres+redis"])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    """A Yoshin installation of its own: embedded default, or PostgreSQL and Redis."""
    home = tmp_path / "home"
    logs = ARTIFACTS / "logs" / request.node.name.replace("/", "_")
    logs.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    env |= {"YOSHIN_HOME": str(home), "YOSHIN_TASK_RETRY_DELAY": "0.5",
            "YOSHIN_AUTO_COMMIT_READY": "false", "YOSHIN_PASSKEY_ROLES": "[]"}
    if request.param == "embedded":
        stack = Stack(home=home, env=env, logs=logs)
        yield stack
        stack.stop_all()
        return
    with postgres_database() as database, redis_database() as broker:
        env |= {"YOSHIN_DATABASE_URL": database, "YOSHIN_BROKER_URL": broker}
        stack = Stack(home=home, env=env, logs=logs)
        yield stack
        stack.stop_all()
