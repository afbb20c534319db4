"""A synthetic register for the transfer bench and the load test: residents with My
Numbers and a dose each, and the peer municipality that asks about them."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from ledger.kit.identifiers import my_number_check_digit
from ledger.residents import my_number
from ledger.transfers.peers import add_peer
from models import LedgerRecord, Resident
from models.db import session_scope

PEER = "131016"
TOKEN = "ysn_transfer-bench-" + "z" * 24


def random_my_number(rng: random.Random) -> str:
    body = f"{rng.randrange(10**10, 10**11):011d}"
    return body + str(my_number_check_digit(body))


def write_register(count: int, rng: random.Random, prefix: str = "B", actor: str = "bench"
                   ) -> list[str]:
    """Residents with My Numbers and one pfizer dose each, written in bulk (a fixture, so
    without the per-row audit entries a real import writes), and the peer that asks; their
    宛名番号 start with `prefix`, apart from any register already there."""
    numbers = sorted({random_my_number(rng) for _ in range(count)})
    with session_scope() as session:
        for start in range(0, len(numbers), 2000):
            part = numbers[start:start + 2000]
            session.execute(insert(Resident), [
                {"atena_number": f"{prefix}{start + i:09d}",
                 "my_number_hash": my_number.lookup_hash(n),
                 "my_number_encrypted": my_number.encrypt(n), "name": "負荷 試験",
                 "name_kana": "フカ シケン", "birth_date": date(1950, 1, 1), "sex": "F",
                 "address": "松戸市"} for i, n in enumerate(part)])
        ids = session.scalars(select(Resident.id)
                              .where(Resident.atena_number.like(f"{prefix}%"))).all()
        for start in range(0, len(ids), 2000):
            session.execute(insert(LedgerRecord), [
                {"resident_id": rid, "vaccine": "pfizer", "dose_number": 1,
                 "vaccinated_on": date(2021, 6, 1) + timedelta(days=rid % 60),
                 "lot_number": "FA5765", "clinic_code": "", "source": "scan", "version": 1}
                for rid in ids[start:start + 2000]])
        add_peer(session, code=PEER, url="http://127.0.0.1:9", inbound=TOKEN, actor=actor)
    return numbers
