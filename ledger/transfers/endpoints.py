"""Transfer endpoints: answering another municipality, and asking one for a resident who
moved in. The number asked about is never logged or echoed in an error."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from accounts.access import Action
from accounts.deps import DbSession, KeptRefusal, release_connection, require
from ledger.residents.deps import ResidentDep
from ledger.transfers.peers import PeerRefused
from ledger.transfers.service import (
    NoNumberToAsk,
    TransferAnswer,
    TransferFailed,
    answer_query,
    recent_provisions,
    request_from_peer,
)
from models import User, audit
from models.transfers import peer_of

router = APIRouter(prefix="/api", tags=["transfer"])
PeerCaller = Annotated[User, Depends(require(Action.TRANSFER_ANSWER))]
Staff = Annotated[User, Depends(require(Action.TRANSFER_REQUEST))]

ANSWER_FLOOR_SECONDS = 0.05
"""Every answer takes at least this long, so that its timing tells a caller nothing about
whether the person is ours (the database work differs by a few milliseconds)."""


def answer_floor() -> Iterator[None]:
    """Hold a successful answer until ANSWER_FLOOR_SECONDS have passed. Taken before the
    database session, it ends after the session's commit, so the wait holds no transaction."""
    started = time.perf_counter()
    yield
    time.sleep(max(0.0, ANSWER_FLOOR_SECONDS - (time.perf_counter() - started)))


AnswerFloor = Annotated[None, Depends(answer_floor, scope="function")]


class TransferQuery(BaseModel):
    requester_code: str = Field(pattern=r"^\d{6}$", description="the asking 自治体コード")
    my_number: str = Field(pattern=r"^\d{12}$", description="個人番号 of the person asked about")

    def __repr__(self) -> str:  # never let a log or traceback show the number
        return f"TransferQuery(requester_code={self.requester_code!r})"

    __str__ = __repr__


class TransferRequest(BaseModel):
    peer_code: str = Field(pattern=r"^\d{6}$", description="the former municipality")


class TransferResult(BaseModel):
    peer_code: str
    found: bool
    created: list[int]
    skipped: list[str]
    mistakes: list[str]
    """Imported doses the schedule engine calls 接種間違い, each with its reason."""


class ProvisionOut(BaseModel):
    id: int
    direction: str
    peer_code: str
    resident_id: int | None
    found: bool
    records: list[int]
    actor: str


@router.post("/transfer/query")
def transfer_query(_floor: AnswerFloor, body: TransferQuery, db: DbSession,
                   caller: PeerCaller) -> TransferAnswer:
    """Another municipality asks for one person's records (its token, its own code)."""
    peer = peer_of(db, caller)
    if peer is None or peer.code != body.requester_code:
        raise HTTPException(403, "the requester_code does not belong to the caller's token")
    return answer_query(db, peer, body.my_number)


@router.post("/residents/{resident_id}/transfer-requests")
def request_transfer(user: Staff, resident: ResidentDep, body: TransferRequest, db: DbSession
                     ) -> TransferResult:
    """Ask the former municipality for a resident who moved in and import what comes back."""
    try:
        result = request_from_peer(db, resident=resident, peer_code=body.peer_code,
                                   actor=user.username, user_id=user.id,
                                   before_waiting=lambda: release_connection(db))
    except NoNumberToAsk as missing:
        raise HTTPException(409, str(missing)) from missing
    except PeerRefused as refused:
        raise HTTPException(404, str(refused)) from refused
    except TransferFailed as failed:  # its audit entry is kept with the refusal
        raise KeptRefusal(502, str(failed)) from failed
    return TransferResult(peer_code=body.peer_code, found=result.found,
                          created=result.created, skipped=result.skipped,
                          mistakes=result.mistakes)


@router.get("/transfer/provisions")
def provisions(db: DbSession, user: Staff,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[ProvisionOut]:
    """The provision record (情報提供等記録), newest first; reading it is audited too."""
    rows = recent_provisions(db, limit)
    audit.record(db, actor=user.username, action="transfer.provisions.read",
                 subject="provision record", detail={"rows": len(rows)})
    return [ProvisionOut.model_validate(p, from_attributes=True) for p in rows]
