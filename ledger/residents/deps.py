"""The resident a route's path names, loaded once for every route: a typed dependency that
answers 404 for an id that names no one. Routes declare it after their permission, so a
caller without the right learns nothing about which ids exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from accounts.deps import DbSession
from accounts.ids import RowId
from models import Resident


def resident_or_404(resident_id: RowId, db: DbSession) -> Resident:
    resident = db.get(Resident, resident_id)
    if resident is None:
        raise HTTPException(404, f"no resident {resident_id}")
    return resident


ResidentDep = Annotated[Resident, Depends(resident_or_404)]
