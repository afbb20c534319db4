"""The id of a row as a route takes it from the URL.

Every table's id is a 64-bit integer at most (SQLite's INTEGER, PostgreSQL's BIGINT, or
smaller), so a larger number can name no row. SQLite's driver does not even take one (it
raises OverflowError, a 500), so such an id is refused as the request's error (422) before
any lookup, the same on both databases.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
"""A path id: 1 … 2^63 − 1. Use it for every `{…_id}` that names a row."""
