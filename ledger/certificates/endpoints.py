"""Certificates over HTTP: issue from the ledger, download again, reissue, revoke; the FHIR
export of a resident; and the public keys and revocation lists any verifier may fetch.

Downloads are audited like reads: a certificate shows a person's health data.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from pydantic import BaseModel, Field

from accounts.access import Action
from accounts.deps import DbSession, require
from accounts.ids import RowId
from ledger.certificates import fhir_export, health_cards
from ledger.certificates import service as certificates
from ledger.certificates.content import CertificateContent
from ledger.certificates.pdf import render_pdf
from ledger.kit.vaccines import CATALOG
from ledger.residents.deps import ResidentDep
from models import Certificate, User, audit

router = APIRouter(tags=["certificates"])
public = APIRouter(tags=["certificates"])
Issuer = Annotated[User, Depends(require(Action.CERTIFICATE_ISSUE))]
Revoker = Annotated[User, Depends(require(Action.CERTIFICATE_REVOKE))]
Exporter = Annotated[User, Depends(require(Action.FHIR_EXPORT))]
CARD_MEDIA_TYPE = "application/smart-health-card"
Format = Literal["pdf", "smart-health-card"]
if TYPE_CHECKING:
    VaccineName = str
    """To a type checker a vaccine is its name; the Literal below is built at run time."""
else:
    VaccineName = Literal[tuple(CATALOG)]
    """Pydantic refuses (and the OpenAPI schema lists) any name not in the catalogue."""


class CertificateRequest(BaseModel):
    family_name_romaji: str | None = Field(default=None, pattern=r"^[A-Za-z' -]{1,40}$")
    given_name_romaji: str | None = Field(default=None, pattern=r"^[A-Za-z' -]{1,40}$")
    passport_number: str | None = Field(default=None, pattern=r"^[A-Z0-9]{6,12}$")
    nationality: str | None = Field(default=None, min_length=2, max_length=40)
    vaccines: list[VaccineName] | None = Field(default=None, min_length=1)


class CertificateOut(BaseModel):
    certificate_id: str
    resident_id: int
    issued_at: datetime
    issued_by: str
    kid: str
    doses: int
    content_sha256: str
    revoked: bool
    revoked_at: datetime | None
    revoke_reason: str
    replaces: str | None


class Revocation(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


def _out(db: DbSession, certificate: Certificate) -> CertificateOut:
    replaced = db.get(Certificate, certificate.replaces_id) if certificate.replaces_id else None
    return CertificateOut(
        certificate_id=certificate.certificate_id, resident_id=certificate.resident_id,
        issued_at=certificate.issued_at, issued_by=certificate.issued_by, kid=certificate.kid,
        doses=len(certificate.content["doses"]), content_sha256=certificate.content_sha256,
        revoked=certificate.revoked, revoked_at=certificate.revoked_at,
        revoke_reason=certificate.revoke_reason,
        replaces=replaced.certificate_id if replaced else None,
    )


def _file(certificate: Certificate, form: Format) -> Response:
    """The certificate as the PDF or as the `.smart-health-card` file, named by its ID."""
    headers = {"X-Certificate-Id": certificate.certificate_id}
    if form == "pdf":
        content = CertificateContent.from_json(certificate.content)
        data = render_pdf(content, health_cards.qr_code(certificate.jws))
        headers["Content-Disposition"] = f'attachment; filename="{certificate.certificate_id}.pdf"'
        return Response(data, media_type="application/pdf", headers=headers)
    headers["Content-Disposition"] = (
        f'attachment; filename="{certificate.certificate_id}.smart-health-card"')
    return Response(health_cards.card_file([certificate.jws]), media_type=CARD_MEDIA_TYPE,
                    headers=headers)


def _certificate(db: DbSession, certificate_id: str) -> Certificate:
    found = certificates.find(db, certificate_id)
    if found is None:
        raise HTTPException(404, "no such certificate")
    return found


@router.post("/api/residents/{resident_id}/certificates", status_code=201,
             response_class=Response,
             responses={201: {"content": {"application/pdf": {}, CARD_MEDIA_TYPE: {}}}})
def issue_certificate(user: Issuer, resident: ResidentDep, body: CertificateRequest,
                      db: DbSession, form: Annotated[Format, Query(alias="format")] = "pdf"
                      ) -> Response:
    """Issue a certificate of the resident's doses and answer with it (PDF by default)."""
    request = certificates.Request(
        family_name_romaji=body.family_name_romaji, given_name_romaji=body.given_name_romaji,
        passport_number=body.passport_number, nationality=body.nationality,
        vaccines=tuple(body.vaccines) if body.vaccines else None)
    try:
        certificate = certificates.issue(db, resident, request, actor=user.username)
    except certificates.CertificateRefused as refused:
        raise HTTPException(409, str(refused)) from None
    answer = _file(certificate, form)
    answer.status_code = 201
    return answer


@router.get("/api/residents/{resident_id}/certificates")
def list_certificates(resident_id: RowId, db: DbSession, user: Issuer) -> list[CertificateOut]:
    rows = certificates.certificates_of(db, resident_id)
    audit.record(db, actor=user.username, action="certificate.list", resident_id=resident_id,
                 subject="certificates")
    return [_out(db, row) for row in rows]


@router.get("/api/certificates/{certificate_id}")
def get_certificate(certificate_id: str, db: DbSession, user: Issuer) -> CertificateOut:
    certificate = _certificate(db, certificate_id)
    audit.record(db, actor=user.username, action="certificate.read",
                 resident_id=certificate.resident_id, subject=certificate_id)
    return _out(db, certificate)


@router.get("/api/certificates/{certificate_id}/{form}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, CARD_MEDIA_TYPE: {}}}})
def download_certificate(certificate_id: str, form: Format, db: DbSession,
                         user: Issuer) -> Response:
    """The issued certificate again, byte for byte the same card (a lost paper reprinted)."""
    certificate = _certificate(db, certificate_id)
    if certificate.revoked:
        raise HTTPException(410, f"certificate {certificate_id} was revoked: "
                                 f"{certificate.revoke_reason}")
    audit.record(db, actor=user.username, action="certificate.download",
                 resident_id=certificate.resident_id, subject=certificate_id,
                 detail={"format": form})
    return _file(certificate, form)


@router.post("/api/certificates/{certificate_id}/revoke")
def revoke_certificate(certificate_id: str, body: Revocation, db: DbSession,
                       user: Revoker) -> CertificateOut:
    certificate = _certificate(db, certificate_id)
    try:
        certificates.revoke(db, certificate, actor=user.username, reason=body.reason)
    except certificates.CertificateRefused as refused:
        raise HTTPException(409, str(refused)) from None
    return _out(db, certificate)


@router.post("/api/certificates/{certificate_id}/reissue", status_code=201)
def reissue_certificate(certificate_id: str, db: DbSession, user: Revoker) -> CertificateOut:
    """A new certificate from today's ledger with the same travel details; the old one is
    revoked, so reissuing needs the permission to revoke."""
    certificate = _certificate(db, certificate_id)
    try:
        fresh = certificates.reissue(db, certificate, actor=user.username)
    except certificates.CertificateRefused as refused:
        raise HTTPException(409, str(refused)) from None
    return _out(db, fresh)


@router.get("/api/residents/{resident_id}/fhir", response_class=Response,
            responses={200: {"content": {"application/fhir+json": {}}}})
def export_fhir(user: Exporter, resident: ResidentDep, db: DbSession) -> Response:
    """The resident's immunizations as a FHIR R4 Bundle."""
    bundle = fhir_export.resident_bundle(db, resident)
    audit.record(db, actor=user.username, action="resident.export.fhir",
                 resident_id=resident.id, subject="fhir bundle",
                 detail={"immunizations": len(bundle["entry"]) - 1})
    return Response(health_cards.minified(bundle), media_type="application/fhir+json")


_KID = re.compile(r"^[A-Za-z0-9_-]{43}$")
_OPEN_CORS = {"Access-Control-Allow-Origin": "*"}


@public.get("/.well-known/jwks.json")
def jwks(db: DbSession) -> Response:
    """The issuer's public keys, for any verifier (the spec asks for open CORS)."""
    return Response(health_cards.minified(certificates.jwks(db)),
                    media_type="application/json", headers=_OPEN_CORS)


@public.get("/.well-known/crl/{kid}.json")
def crl(kid: str, db: DbSession) -> Response:
    if not _KID.match(kid) or not any(k["kid"] == kid for k in certificates.jwks(db)["keys"]):
        raise HTTPException(404, "no such key")
    body: dict[str, Any] = certificates.revocation_list(db, kid)
    return Response(health_cards.minified(body), media_type="application/json",
                    headers=_OPEN_CORS)
