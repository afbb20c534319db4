"""The notice screen (個別通知, /notices): a supervisor picks a programme and a month, runs the
mailing, watches its files being drawn and downloads the PDF and the mailing CSV. The page is
a template; its JavaScript (static/notices.js) does all of it through the notice API
(/api/notice-runs, in notices/endpoints.py), so the screen and a script are refused and
audited alike."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from accounts.access import Action
from models import User
from models.clock import city_today
from review_ui.screens import _render, screen_user

router = APIRouter(include_in_schema=False)
NoticeRunner = Annotated[User, Depends(screen_user(Action.NOTICE_RUN))]


def next_month(today: date) -> str:
    """A mailing goes out ahead of the month it is for: the form starts on the next one."""
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return f"{year:04d}-{month:02d}"


@router.get("/notices")
def notices_screen(request: Request, user: NoticeRunner) -> HTMLResponse:
    return _render(request, "notices.html", user, month=next_month(city_today()))
