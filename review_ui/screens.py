"""The screens: server-rendered pages for scanning staff, reviewers and supervisors.

Each screen is a Jinja2 template over the same data the JSON API answers; the little
JavaScript in review_ui/static calls that API for uploads, live progress and decisions.
A visitor without a session is sent to the login page; a role that may not use a screen
gets a page that says so (403), checked with the same permission table as the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from accounts.access import Action, allowed
from accounts.deps import DbSession, client_address, release_connection
from accounts.ids import RowId
from accounts.login import LoginRefused, authenticate
from accounts.session_api import PENDING, begin_session
from accounts.users import usernames
from ledger.certificates.service import certificates_of
from ledger.checks.second_check import RESIDENT, changed_identifiers, machine_values, own_part
from ledger.checks.validation import VACCINES
from ledger.kit.calendar import fiscal_year
from ledger.kit.romaji import passport_romaji
from ledger.records.items import ledger_items
from ledger.records.repository import records_of
from ledger.schedule.rules import schedule
from models import (
    Batch,
    FieldSource,
    Page,
    PageState,
    Resident,
    User,
    audit,
)
from models.clock import city_today
from models.documents import recent_batches
from models.settings import get_settings
from review_ui import repository, service
from review_ui.labels import field_labels
from review_ui.leases import LeaseRefused
from review_ui.schemas import page_out

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
STATIC_DIR = Path(__file__).parent / "static"


class LoginRequired(Exception):
    """Raised by a screen for a visitor without a session; answered with a redirect."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


@dataclass(frozen=True)
class Visitor:
    """Who is shown the refusal: a copy, since the request's session is closed by then."""

    username: str
    display_name: str
    role: str


class ScreenForbidden(Exception):
    def __init__(self, user: User, action: Action) -> None:
        super().__init__(action.value)
        self.visitor = Visitor(user.username, user.display_name, user.role)
        self.action = action


def _session_user(request: Request, db: Session) -> User | None:
    user_id = request.session.get("user_id")
    user = db.get(User, user_id) if user_id else None
    return user if user is not None and user.active else None


def screen_user(action: Action):  # noqa: ANN201 - a FastAPI dependency
    def check(request: Request, db: DbSession) -> User:
        user = _session_user(request, db)
        release_connection(db)
        if user is None:
            request.session.clear()
            raise LoginRequired(request.url.path)
        if not allowed(user.role, action):
            raise ScreenForbidden(user, action)
        return user

    # The permission tests read which action guards a route from this attribute; set
    # through __dict__ because a function's type declares no `action`.
    check.__dict__["action"] = action
    return check


def _render(request: Request, name: str, user: User | Visitor | None, **context: object
            ) -> HTMLResponse:
    flash = request.session.pop("flash", None) if "session" in request.scope else None
    return templates.TemplateResponse(request, name, {
        "user": user, "flash": flash, "Action": Action,
        "can": (lambda action: user is not None and allowed(user.role, action)), **context,
    })


def forbidden_page(request: Request, refused: ScreenForbidden) -> HTMLResponse:
    response = _render(request, "forbidden.html", refused.visitor, action=refused.action.value)
    response.status_code = 403
    return response


def login_redirect(request: Request, required: LoginRequired) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(required.path)}", status_code=303)


def _home_for(user: User) -> str:
    if allowed(user.role, Action.REVIEW):
        return "/review"
    return "/batches"


@router.get("/")
def home(request: Request, db: DbSession) -> Response:
    user = _session_user(request, db)
    return RedirectResponse(_home_for(user) if user else "/login", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "") -> HTMLResponse:
    return _render(request, "login.html", None, next=next, error="")


@router.post("/login")
def log_in(request: Request, db: DbSession, username: Annotated[str, Form()],
           password: Annotated[str, Form()], next: Annotated[str, Form()] = "") -> Response:
    try:
        user = authenticate(db, username, password, client_address(request))
    except LoginRefused as refused:
        throttled = refused.retry_after is not None
        response = _render(request, "login.html", None, next=next, error=(
            "ログインの失敗が続いたため、しばらくログインできません。" if throttled
            else "ユーザー名またはパスワードが違います。"))
        response.status_code = 429 if throttled else 401
        return response
    target = next if next.startswith("/") and not next.startswith("//") else _home_for(user)
    if begin_session(request.session, user):  # half logged in: the passkey is asked next
        return RedirectResponse(f"/login/passkey?next={quote(target)}", status_code=303)
    return RedirectResponse(target, status_code=303)


@router.get("/login/passkey")
def passkey_form(request: Request, next: str = "") -> Response:
    """The second factor's screen (review_ui/static/passkey.js runs the ceremony)."""
    if not isinstance(request.session.get(PENDING), int):
        return RedirectResponse("/login", status_code=303)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return _render(request, "passkey.html", None, next=target)


@router.post("/logout")
def log_out(request: Request, db: DbSession) -> RedirectResponse:
    user = _session_user(request, db)
    request.session.clear()
    if user is not None:
        audit.record(db, actor=user.username, action="logout")
    return RedirectResponse("/login", status_code=303)


@router.get("/batches")
def batches(request: Request, db: DbSession,
            user: Annotated[User, Depends(screen_user(Action.BATCH_VIEW))]) -> HTMLResponse:
    recent = recent_batches(db, 30)
    return _render(request, "batches.html", user, batches=recent)


@router.get("/batches/{batch_id}")
def batch_screen(batch_id: RowId, request: Request, db: DbSession,
                 user: Annotated[User, Depends(screen_user(Action.BATCH_VIEW))]) -> Response:
    batch = db.get(Batch, batch_id)
    if batch is None:
        request.session["flash"] = f"バッチ {batch_id} はありません。"
        return RedirectResponse("/batches", status_code=303)
    return _render(request, "batch.html", user, batch=batch)


@router.get("/review")
def review_queue(request: Request, db: DbSession,
                 user: Annotated[User, Depends(screen_user(Action.REVIEW))]) -> HTMLResponse:
    return _render(request, "queue.html", user,
                   waiting=repository.count_awaiting_review(db),
                   second=repository.count_awaiting_second_check(db))


@router.get("/review/next")
def review_next(request: Request, db: DbSession,
                user: Annotated[User, Depends(screen_user(Action.REVIEW))]) -> Response:
    page = service.take_next(db, user=user)
    if page is None:
        request.session["flash"] = "確認を待つページはありません。"
        return RedirectResponse("/review", status_code=303)
    return RedirectResponse(f"/review/{page.id}", status_code=303)


def _fields_for_screen(page: Page) -> list[dict[str, object]]:
    settings = get_settings()
    labels = field_labels(settings.forms_dir, page.form_id)
    out = page_out(page, settings.review_confidence)
    return [{**field.model_dump(), "label": labels[field.key].label if field.key in labels
             else field.key, "options": labels[field.key].options if field.key in labels
             else []} for field in out.fields]


@router.get("/review/{page_id}")
def review_page(page_id: RowId, request: Request, db: DbSession,
                user: Annotated[User, Depends(screen_user(Action.REVIEW))]) -> Response:
    page = db.get(Page, page_id, with_for_update=True)
    if page is None:
        request.session["flash"] = f"ページ {page_id} はありません。"
        return RedirectResponse("/review", status_code=303)
    try:
        service.shown(db, service.take(db, page, user=user), user=user, action="page.open")
    except LeaseRefused:
        db.rollback()
        request.session["flash"] = (f"ページ {page_id} は他の確認者が作業中です。"
                                    "次のページを開きました。")
        return RedirectResponse("/review/next", status_code=303)
    return _render(request, "review.html", user, page=page, fields=_fields_for_screen(page),
                   image_size=None)


RESIDENT_LABEL = "住民の照合"
"""How the second-check screens name a change of the page's resident."""


def _changed_labels(page: Page) -> list[str]:
    return [RESIDENT_LABEL if key == RESIDENT else key for key in changed_identifiers(page)]


def _resident_text(resident: Resident | None) -> str:
    if resident is None:
        return "（照合なし）"
    return f"{resident.name}（宛名番号 {resident.atena_number}、{resident.birth_date}生）"


def _resident_row(db: Session, page: Page, user: User,
                  names: dict[int, str]) -> dict[str, object]:
    """The hand match as a row of changes: the reader's resident beside the chosen one. The
    reader's resident is a second person shown, so its read is audited too."""
    before = db.get(Resident, page.reader_resident_id) if page.reader_resident_id else None
    if before is not None:
        audit.record(db, actor=user.username, action="resident.read", resident_id=before.id,
                     subject=f"second check of page:{page.id}")
    after = db.get(Resident, page.resident_id) if page.resident_id else None
    return {"key": RESIDENT, "label": RESIDENT_LABEL, "before": _resident_text(before),
            "after": _resident_text(after), "box": None,
            "by": names.get(page.resident_matched_by_id or 0, "")}


@router.get("/second-check")
def second_check_list(request: Request, db: DbSession,
                      user: Annotated[User, Depends(screen_user(Action.SECOND_CHECK))]
                      ) -> HTMLResponse:
    pages = repository.awaiting_second_check(db)
    names = usernames(db)
    return _render(request, "second_check_list.html", user, pages=pages, names=names,
                   changed={p.id: _changed_labels(p) for p in pages})


@router.get("/second-check/{page_id}")
def second_check_page(page_id: RowId, request: Request, db: DbSession,
                      user: Annotated[User, Depends(screen_user(Action.SECOND_CHECK))]
                      ) -> Response:
    page = db.get(Page, page_id)
    if page is None or page.state != PageState.SECOND_CHECK:
        request.session["flash"] = f"ページ {page_id} は二次確認を待っていません。"
        return RedirectResponse("/second-check", status_code=303)
    service.shown(db, page, user=user)
    names = usernames(db)
    before = machine_values(page)
    changed = changed_identifiers(page)
    labels = field_labels(get_settings().forms_dir, page.form_id)
    current = page.current_fields()
    rows = [_resident_row(db, page, user, names) if key == RESIDENT else
            {"key": key, "label": labels[key].label if key in labels else key,
             "before": before.get(key, ""), "after": current[key].value if key in current
             else "", "box": current[key].box if key in current else None,
             "by": names.get(current[key].created_by_id or 0, "") if key in current else ""}
            for key in changed]
    reviewer = db.get(User, page.decided_by_id) if page.decided_by_id else None
    return _render(request, "second_check.html", user, page=page, rows=rows,
                   reviewer=reviewer, own=own_part(page, user.id))


@router.get("/residents/{resident_id}")
def resident_screen(resident_id: RowId, request: Request, db: DbSession,
                    user: Annotated[User, Depends(screen_user(Action.RESIDENT_VIEW))]
                    ) -> Response:
    resident = db.get(Resident, resident_id)
    if resident is None:
        request.session["flash"] = f"住民 {resident_id} はいません。"
        return RedirectResponse("/review", status_code=303)
    records = records_of(db, resident_id, voided=True)
    pages = {r.page_id: db.get(Page, r.page_id) for r in records if r.page_id}
    names = usernames(db)
    corrections = [
        {"page_id": page.id, "key": f.key, "value": f.value,
         "before": machine_values(page).get(f.key, ""),
         "by": names.get(f.created_by_id or 0, ""), "at": f.created_at}
        for page in pages.values() if page is not None
        for f in page.fields if f.source == FieldSource.REVIEWER
    ]
    history = audit.history_of(db, resident_id, limit=50)
    audit.record(db, actor=user.username, action="resident.read", resident_id=resident_id,
                 subject="resident view")
    issued = certificates_of(db, resident_id, newest_first=True)
    family, given = passport_romaji(resident.name_kana)
    held = sorted({r.vaccine for r in records if not r.voided})
    items = {record.id: ledger_items(db, record, resident) for record in records}
    return _render(request, "resident.html", user, resident=resident, records=records,
                   items=items,
                   corrections=corrections, history=history, certificates=issued,
                   romaji=(family, given), held=held, vaccine_names=VACCINES,
                   just_issued=request.query_params.get("issued", ""))


@router.get("/reports")
def reports_screen(request: Request,
                   user: Annotated[User, Depends(screen_user(Action.REPORT_VIEW))]
                   ) -> HTMLResponse:
    today = city_today()
    programmes = [(series.id, series.name_ja) for series in schedule().series]
    return _render(request, "reports.html", user, today=today, programmes=programmes,
                   last_fiscal_year=fiscal_year(today) - 1)
