"""Shared fixtures. In-process tests get an embedded-default home of their own; integration
tests start real `yoshin serve` / `yoshin worker` processes (see tests/stack.py)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
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


@pytest.fixture(scope="module", autouse=True)
def clean_inprocess_database() -> None:
    """Each test module starts from an empty in-process database: no module leans on, or
    works around, rows another module left, whatever order the modules run in. Within a
    module, its own module-scoped fixtures (a town, a clinic) build what its tests share."""
    from models.settings import get_settings

    if not (get_settings().resolved_home / "yoshin.db").exists():
        return  # not made yet: inprocess_db makes it empty
    from models.audit import checkpoint_path
    from models.base import Base
    from models.db import session_scope

    with session_scope() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
    checkpoint_path().unlink(missing_ok=True)  # it names entries of the emptied chain


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
