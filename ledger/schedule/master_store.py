"""The vaccine master as this city holds it: the products and programmes the repository
ships (ledger/kit/vaccines.json, series.json) and the products its administrator added
(models.MasterEntry), each listed in the programme whose doses it gives.

An added product is checked exactly as a shipped one (the same loaders, and the rules that
hold the files to each other: its disease is its programme, its class the programme's, its
CVX codes nobody else's), so a slip is refused when it is added, never met by a form. The
server and the workers read the additions when they start (load_into_process); a product
added while they run is known to them after their restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ledger.kit import vaccines as kit
from ledger.schedule.rules import SERIES_FILE, Schedule, install_schedule, load_schedule
from models import MasterEntry, audit


class MasterRefused(ValueError):
    """The product cannot join the master as given; the message says why."""


def _merged(additions: Sequence[tuple[str, str, dict[str, Any]]]
            ) -> tuple[dict[str, kit.Vaccine], Schedule]:
    """The shipped master with `additions` (key, programme, entry) in it, every rule checked."""
    entries = kit.read_entries()
    rules = load_schedule(SERIES_FILE).model_dump(by_alias=True)
    for key, programme, entry in additions:
        if key in entries:
            raise MasterRefused(f"{key}: the master already holds a product of this name")
        series = next((s for s in rules["series"] if s["id"] == programme), None)
        if series is None:
            raise MasterRefused(f"{key}: no programme {programme!r}: one of "
                                + ", ".join(s["id"] for s in rules["series"]))
        entries[key] = entry
        series["products"] = [*series["products"], key]
    try:
        catalogue = kit.catalogue_of(entries)
        merged = Schedule.model_validate(rules)
    except (KeyError, TypeError, ValueError) as error:
        raise MasterRefused(f"the product does not fit the master: {error}") from error
    for key, programme, _ in additions:
        known, series = catalogue[key], next(s for s in merged.series if s.id == programme)
        if known.disease != programme or known.class_ != series.class_:
            raise MasterRefused(f"{key}: disease must be {programme!r} and class "
                                f"{series.class_!r}, as the programme's")
    codes = [code for known in catalogue.values() for code in known.cvx_in]
    if len(codes) != len(set(codes)):
        raise MasterRefused("a CVX code in cvx_in names two products")
    return catalogue, merged


def additions(session: Session) -> list[MasterEntry]:
    return list(session.scalars(select(MasterEntry).order_by(MasterEntry.id)))


def add_product(session: Session, *, key: str, programme: str, entry: dict[str, Any],
                actor: str) -> MasterEntry:
    """Add the product to the stored master; MasterRefused when it would break a rule."""
    held = [(row.key, row.programme, row.entry) for row in additions(session)]
    _merged([*held, (key, programme, entry)])
    row = MasterEntry(key=key, programme=programme, entry=entry, added_by=actor)
    session.add(row)
    audit.record(session, actor=actor, action="master.product.add", subject=f"vaccine:{key}",
                 detail={"programme": programme})
    return row


def load_into_process(session: Session) -> int:
    """Make the stored master this process's; the number of added products. A database not
    yet at the schema that holds additions has none."""
    try:
        held = [(row.key, row.programme, row.entry) for row in additions(session)]
    except SQLAlchemyError:
        session.rollback()
        return 0
    catalogue, rules = _merged(held)
    kit.install(catalogue)
    install_schedule(rules)
    return len(held)
