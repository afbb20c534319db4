"""A doubtful address, set into the shape of the city's own addresses for the person who
checks it.

When a page cannot be matched to a resident, nothing confirms its address, and the reader's
doubtful reading is what a person corrects. Most of what goes wrong in a handwritten address
is a character the city's own addresses settle: 千葉県 read as 干葉県, 二十世紀が丘 as
二十世紀力丘, 丁目 as 丁月. The part before the first digit (prefecture, city and town) is
one of the towns the register holds, so a reading near exactly one of them is that town; the
block and house numbers after it keep the digits read, with 丁目, 番 and 号 between them
where the register writes the town's addresses that way. The value stays doubtful: it is
shown to a person, never taken as confirmed (see ledger.checks.confirmation for what is).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.kit.text import normalise
from models import Resident

NEAR_SHARE = 0.34
"""At most this share of a town's characters may differ for a reading to be that town (as a
near name or address in ledger.checks.confirmation)."""
BLOCK_FORM = re.compile(r"(\d+)丁目(\d+)番(\d+)号")
READ_BLOCKS = re.compile(r"(\d+)(\D{1,2})(\d+)(\D{1,2})(\d+)(\D?)")
"""Three numbers with one or two characters between them, as a misread 1丁目2番3号."""


@dataclass(frozen=True)
class Town:
    head: str
    """The address up to its first digit, as the register writes it (千葉県松戸市常盤平)."""
    blocks: bool
    """Whether the register writes this town's addresses as N丁目N番N号."""


_towns: tuple[tuple[int, int | None], tuple[Town, ...]] | None = None


def _head(address: str) -> tuple[str, str]:
    """The address split before its first digit (of any width), spaces dropped."""
    plain = "".join(address.split())
    match = re.search(r"\d", plain)
    return (plain, "") if match is None else (plain[:match.start()], plain[match.start():])


def towns(session: Session) -> tuple[Town, ...]:
    """The towns of the register's addresses, computed again only when the register changed
    (a city has a few hundred towns and hundreds of thousands of residents)."""
    global _towns
    stamp = tuple(session.execute(select(func.count(Resident.id), func.max(Resident.id))).one())
    if _towns is None or _towns[0] != stamp:
        shapes: dict[str, bool] = {}
        for address in session.scalars(select(Resident.address).where(Resident.address != "")):
            head, rest = _head(address)
            shapes[head] = shapes.get(head, False) or bool(
                BLOCK_FORM.fullmatch(unicodedata.normalize("NFKC", rest)))
        _towns = ((stamp[0], stamp[1]), tuple(Town(head, blocks)
                                              for head, blocks in sorted(shapes.items())))
    return _towns[1]


def _town(head: str, known: tuple[Town, ...]) -> Town | None:
    """The one town the read head is near, nearest first; None when none or two are."""
    if not head:
        return None
    wanted = normalise(head)
    scored = sorted((Levenshtein.distance(wanted, normalise(town.head)), town.head, town)
                    for town in known)
    if not scored or scored[0][0] > NEAR_SHARE * len(scored[0][2].head):
        return None
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None
    return scored[0][2]


def shaped_address(session: Session, read: str) -> str:
    """`read` with its town as the register writes it and its block numbers in the town's
    form, when exactly one town is near; otherwise `read` unchanged."""
    head, rest = _head(read)
    town = _town(head, towns(session))
    if town is None:
        return read
    blocks = READ_BLOCKS.fullmatch(unicodedata.normalize("NFKC", rest)) if town.blocks else None
    if blocks is not None:
        rest = f"{blocks[1]}丁目{blocks[3]}番{blocks[5]}号"
    return town.head + rest
