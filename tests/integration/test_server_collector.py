"""The server keeps what it holds once started out of the collector's full collections."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from yoshin.app import create_app


def test_what_the_server_started_with_is_kept_out_of_full_collections(
        inprocess_db: Path) -> None:
    gc.unfreeze()
    try:
        with TestClient(create_app()) as client:  # the context runs the app's startup
            assert client.get("/health").status_code == 200
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
