"""Logging in and out of the screens. Scripts use API tokens instead (`yoshin users create
--token`)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel
from sqlalchemy import select

from models import User, audit
from models.deps import CurrentUser, DbSession

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
    user = db.scalar(select(User).where(User.username == body.username))
    if user is None or not user.active or not user.check_password(body.password):
        audit.record(db, actor=body.username[:64], action="login.failed")
        db.commit()
        raise HTTPException(401, "wrong user name or password")
    request.session.clear()
    request.session["user_id"] = user.id
    audit.record(db, actor=user.username, action="login")
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
