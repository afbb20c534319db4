"""A throw-away Yoshin installation inside this process, for measuring: its own home,
database and queue, so `yoshin eval` and `yoshin bench` never touch the real ledger."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from models.settings import get_settings


@contextmanager
def isolated_home(home: Path, database_url: str | None = None,
                  broker_url: str | None = None) -> Iterator[dict[str, str]]:
    """Point the settings at `home` (and the given servers) until the block ends; yields the
    environment a subprocess needs to join the same installation."""
    wanted = {"YOSHIN_HOME": str(home), "YOSHIN_DATABASE_URL": database_url,
              "YOSHIN_BROKER_URL": broker_url}
    saved = {key: os.environ.get(key) for key in wanted}
    _apply(wanted)
    try:
        yield dict(os.environ)
    finally:
        _apply(saved)


def _apply(values: dict[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
