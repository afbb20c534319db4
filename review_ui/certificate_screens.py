"""Certificates from the resident view: issue (with travel details), reissue and revoke by
plain form posts that return to the resident, where each certificate is listed with its
downloads. The API does the same; these screens only turn a form into its call."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from accounts.access import Action
from accounts.deps import DbSession
from accounts.ids import RowId
from ledger.certificates import service as certificates
from ledger.kit.vaccines import CATALOG
from models import Resident, User
from review_ui.screens import screen_user

router = APIRouter(include_in_schema=False)
_ROMAJI = re.compile(r"^[A-Za-z' -]{1,40}$")
_PASSPORT = re.compile(r"^[A-Z0-9]{6,12}$")
Issuer = Annotated[User, Depends(screen_user(Action.CERTIFICATE_ISSUE))]
Revoker = Annotated[User, Depends(screen_user(Action.CERTIFICATE_REVOKE))]


def _back(request: Request, resident_id: int, message: str,
          issued: str | None = None) -> RedirectResponse:
    request.session["flash"] = message
    anchor = f"?issued={issued}#certificates" if issued else "#certificates"
    return RedirectResponse(f"/residents/{resident_id}{anchor}", status_code=303)


def _problem(family: str, given: str, passport: str, nationality: str,
             vaccines: list[str]) -> str:
    if (family and not _ROMAJI.match(family)) or (given and not _ROMAJI.match(given)):
        return "ローマ字氏名は半角英字で入力してください。"
    if passport and not _PASSPORT.match(passport):
        return "旅券番号は半角英大文字と数字 6〜12 文字です。"
    if len(nationality) > 40:
        return "国籍が長すぎます。"
    if not vaccines or set(vaccines) - set(CATALOG):
        return "証明するワクチンを選んでください。"
    return ""


@router.post("/residents/{resident_id}/certificates")
def issue_screen(resident_id: RowId, request: Request, db: DbSession, user: Issuer,
                 family_name_romaji: Annotated[str, Form()] = "",
                 given_name_romaji: Annotated[str, Form()] = "",
                 passport_number: Annotated[str, Form()] = "",
                 nationality: Annotated[str, Form()] = "",
                 vaccines: Annotated[list[str] | None, Form()] = None) -> RedirectResponse:
    resident = db.get(Resident, resident_id)
    if resident is None:
        request.session["flash"] = f"住民 {resident_id} はいません。"
        return RedirectResponse("/review", status_code=303)
    family, given = family_name_romaji.strip(), given_name_romaji.strip()
    passport, country, wanted = passport_number.strip().upper(), nationality.strip(), vaccines or []
    problem = _problem(family, given, passport, country, wanted)
    if problem:
        return _back(request, resident_id, problem)
    request_values = certificates.Request(
        family_name_romaji=family or None, given_name_romaji=given or None,
        passport_number=passport or None, nationality=country or None, vaccines=tuple(wanted))
    try:
        issued = certificates.issue(db, resident, request_values, actor=user.username)
    except certificates.CertificateRefused as refused:
        db.rollback()
        return _back(request, resident_id, f"発行できません: {refused}")
    return _back(request, resident_id, f"証明書 {issued.certificate_id} を発行しました。",
                 issued.certificate_id)


@router.post("/certificates/{certificate_id}/reissue")
def reissue_screen(certificate_id: str, request: Request, db: DbSession,
                   user: Revoker) -> RedirectResponse:
    """Revokes the certificate it replaces, so it needs the permission to revoke."""
    found = certificates.find(db, certificate_id)
    if found is None:
        request.session["flash"] = "その証明書はありません。"
        return RedirectResponse("/review", status_code=303)
    try:
        fresh = certificates.reissue(db, found, actor=user.username)
    except certificates.CertificateRefused as refused:
        db.rollback()
        return _back(request, found.resident_id, f"再発行できません: {refused}")
    return _back(request, found.resident_id,
                 f"証明書 {fresh.certificate_id} を再発行し、{certificate_id} を失効させました。",
                 fresh.certificate_id)


@router.post("/certificates/{certificate_id}/revoke")
def revoke_screen(certificate_id: str, request: Request, db: DbSession, user: Revoker,
                  reason: Annotated[str, Form()] = "") -> RedirectResponse:
    found = certificates.find(db, certificate_id)
    if found is None:
        request.session["flash"] = "その証明書はありません。"
        return RedirectResponse("/review", status_code=303)
    try:
        certificates.revoke(db, found, actor=user.username, reason=reason[:500])
    except certificates.CertificateRefused as refused:
        db.rollback()
        return _back(request, found.resident_id, f"失効できません: {refused}")
    return _back(request, found.resident_id, f"証明書 {certificate_id} を失効させました。")
