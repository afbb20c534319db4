"""The accounts screen (admins): every account with its role, state, last login and API
tokens, for the periodic review of IDs and rights, and plain form posts that disable or
enable an account, change its role or revoke one token.

Each change goes through the same lifecycle functions as `yoshin users …` (models.users),
which write the audit log; these routes only turn a form into that call and say what it did.
An admin cannot lock themselves out: disabling one's own account or taking away one's own
admin role is refused with a message, so at least the admin acting keeps the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from accounts import users as accounts
from accounts.access import Action
from accounts.deps import DbSession
from accounts.ids import RowId
from models import ApiToken, Role, User
from review_ui.screens import _render, screen_user

router = APIRouter(include_in_schema=False)
Admin = Annotated[User, Depends(screen_user(Action.ACCOUNT_ADMIN))]
SCREEN = "/admin/users"


@dataclass(frozen=True)
class AccountRow:
    """One account as the screen lists it."""

    user: User
    last_login: datetime | None
    last_token_use: datetime | None
    tokens: list[ApiToken]
    is_self: bool


def _back(request: Request, message: str, user_id: int | None = None) -> RedirectResponse:
    """Back to the list with a message for the next screen (POST, redirect, GET)."""
    request.session["flash"] = message
    anchor = f"#user-{user_id}" if user_id else ""
    return RedirectResponse(f"{SCREEN}{anchor}", status_code=303)


def _missing(request: Request, user_id: int) -> RedirectResponse:
    return _back(request, f"アカウント {user_id} はありません。")


@router.get(SCREEN)
def accounts_screen(request: Request, db: DbSession, admin: Admin) -> HTMLResponse:
    logins = accounts.last_logins(db)
    found = accounts.accounts_with_tokens(db)
    rows = [AccountRow(
        user=user, last_login=logins.get(user.username),
        last_token_use=max((t.last_used_at for t in user.tokens if t.last_used_at),
                           default=None),
        tokens=sorted(user.tokens, key=lambda t: t.id, reverse=True),
        is_self=user.id == admin.id) for user in found]
    return _render(request, "admin_users.html", admin, accounts=rows,
                   roles=[role.value for role in Role])


@router.post(SCREEN + "/{user_id}/disable")
def disable_account(user_id: RowId, request: Request, db: DbSession,
                    admin: Admin) -> RedirectResponse:
    account = db.get(User, user_id)
    if account is None:
        return _missing(request, user_id)
    username = account.username
    if not account.active:
        return _back(request, f"{username} はすでに無効です。", user_id)
    try:
        ended = accounts.disable(db, account, actor=admin.username, by=admin)
    except accounts.OwnAccount:
        return _back(request, "自分のアカウントは無効にできません"
                              "（別の管理者に依頼してください）。", user_id)
    return _back(request, f"{username} を無効にしました。開いていたセッション {ended} 件を終了し、"
                          "トークンは無効の間すべて拒否されます。", user_id)


@router.post(SCREEN + "/{user_id}/enable")
def enable_account(user_id: RowId, request: Request, db: DbSession,
                   admin: Admin) -> RedirectResponse:
    account = db.get(User, user_id)
    if account is None:
        return _missing(request, user_id)
    username = account.username
    if account.active:
        return _back(request, f"{username} はすでに有効です。", user_id)
    accounts.enable(db, account, actor=admin.username)
    return _back(request, f"{username} を有効にしました。", user_id)


@router.post(SCREEN + "/{user_id}/role")
def change_role(user_id: RowId, request: Request, db: DbSession, admin: Admin,
                role: Annotated[str, Form(max_length=16)]) -> RedirectResponse:
    account = db.get(User, user_id)
    if account is None:
        return _missing(request, user_id)
    username, before = account.username, account.role
    if role not in {r.value for r in Role}:
        return _back(request, "その役割はありません。", user_id)
    if role == before:
        return _back(request, f"{username} の役割はすでに {role} です。", user_id)
    try:
        accounts.change_role(db, account, Role(role), actor=admin.username, by=admin)
    except accounts.OwnAccount:
        return _back(request, "自分の管理者の役割は外せません（別の管理者に依頼してください）。",
                     user_id)
    return _back(request, f"{username} の役割を {before} から {role} に変更しました"
                          "（次の操作から有効）。", user_id)


@router.post(SCREEN + "/{user_id}/tokens/{token_id}/revoke")
def revoke_token(user_id: RowId, token_id: RowId, request: Request, db: DbSession,
                 admin: Admin) -> RedirectResponse:
    token = db.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        return _back(request, f"トークン {token_id} はありません。")
    username, name = token.user.username, token.name
    if not accounts.revoke_token(db, token, actor=admin.username):
        return _back(request, f"{username} のトークン「{name}」はすでに失効しています。", user_id)
    return _back(request, f"{username} のトークン「{name}」を失効させました。", user_id)
