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
    keys = ("YOSHIN_HOME", "YOSHIN_DATABASE_URL", "YOSHIN_BROKER_URL")
    saved = {key: os.environ.get(key) for key in keys}
    wanted = {"YOSHIN_HOME": str(home), "YOSHIN_DATABASE_URL": database_url,
              "YOSHIN_BROKER_URL": broker_url}
    for key, value in wanted.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    try:
        yield dict(os.environ)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
