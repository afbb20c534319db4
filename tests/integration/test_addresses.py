"""A doubtful address shown in the shape of the city's own addresses: its town as the register
writes it, its block numbers as 丁目, 番 and 号, the digits as read."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from ledger.kit.addresses import shaped_address, towns
from models import Resident
from models.db import session_scope
from samples.sets import SETS_DIR
from yoshin.city import load_city


def _a_town_address() -> str:
    load_city(SETS_DIR / "mixed-30", actor="test")
    with session_scope() as session:
        return next(a for a in session.scalars(select(Resident.address))
                    if re.fullmatch(r".+市.+\d+丁目\d+番\d+号", a))


def test_a_misread_town_and_blocks_take_the_registers_shape(inprocess_db: Path) -> None:
    address = _a_town_address()
    head = address[:re.search(r"\d", address).start()]
    misread = "干" + head[1:] + "2丁月15番1号"
    with session_scope() as session:
        assert shaped_address(session, misread) == head + "2丁目15番1号"
        # the digits stay as read: a house number is not the register's to settle
        assert shaped_address(session, head + "9丁目9番9号") == head + "9丁目9番9号"


def test_an_address_near_no_town_or_two_is_left_as_read(inprocess_db: Path) -> None:
    address = _a_town_address()
    with session_scope() as session:
        assert shaped_address(session, "東京都千代田区霞が関1丁目2番3号") \
            == "東京都千代田区霞が関1丁目2番3号"
        assert shaped_address(session, "読めない") == "読めない"
        known = towns(session)
        assert any(address.startswith(town.head) for town in known)


def test_only_a_doubtful_address_is_reshaped(inprocess_db: Path) -> None:
    from workers.reading import _shaped
    address = _a_town_address()
    head = address[:re.search(r"\d", address).start()]
    misread = "干" + head[1:] + "2丁月15番1号"
    with session_scope() as session:
        assert _shaped(session, "address", misread, 0.5) == head + "2丁目15番1号"
        assert _shaped(session, "address", misread, 0.95) == misread
        assert _shaped(session, "name", misread, 0.5) == misread
