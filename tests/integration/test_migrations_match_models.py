"""The migrations make the very schema the models declare, on both databases: a column
made differently (a timestamp without its time zone, a length, a missing index) is a
difference between what the code expects and what a city's database holds, found only
when a value goes wrong."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models.base import Base
from models.db import get_engine
from models.migrate import upgrade
from tests.stack import postgres_database
from yoshin.measure.harness import isolated_home


@contextmanager
def _database(kind: str, home: Path) -> Iterator[None]:
    if kind == "sqlite":
        with isolated_home(home):
            yield
        return
    with postgres_database() as url, isolated_home(home, database_url=url):
        yield


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_the_migrated_schema_is_the_models_schema(kind: str, tmp_path: Path) -> None:
    with _database(kind, tmp_path / "home"):
        upgrade()
        with get_engine().connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    assert differences == []
