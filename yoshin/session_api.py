"""Logging in and out of the screens. Scripts use API tokens instead (`yoshin users create
--token`)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel

from models import audit
from models.deps import CurrentUser, DbSession, client_address
from models.login import LoginRefused, authenticate

router = APIRouter(prefix="/api", tags=["session"])


class Credentials(BaseModel):
    username: str
    password: str


class Me(BaseModel):
    username: str
    display_name: str
    role: str


@router.post("/session")
def log_in(body: Credentials, request: Request, db: DbSession) -> Me:
    try:
        user = authenticate(db, body.username, body.password, client_address(request))
    except LoginRefused as refused:
        db.commit()
        if refused.retry_after is not None:
            raise HTTPException(429, str(refused),
                                headers={"Retry-After": str(refused.retry_after)}) from None
        raise HTTPException(401, str(refused)) from None
    request.session.clear()
    request.session["user_id"] = user.id
    db.commit()
    return Me(username=user.username, display_name=user.display_name, role=user.role)


@router.delete("/session", status_code=204)
def log_out(request: Request, user: CurrentUser, db: DbSession) -> Response:
    request.session.clear()
    audit.record(db, actor=user.username, action="logout")
    db.commit()
    return Response(status_code=204)


@router.get("/me")
def me(user: CurrentUser) -> Me:
    return Me(username=user.username, display_name=user.display_name, role=user.role)
