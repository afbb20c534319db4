"""Issuing, reissuing and revoking vaccination certificates (接種証明書).

A certificate is made from the ledger as it stands: every dose that is not voided. The
issuance keeps the content the PDF shows and the signed card, so a lost paper can be printed
again identically, and a hash of both, so any later change to the row is evident. Each
certificate has its own revocation ID (`vc.rid`), so revoking one leaves the holder's others
valid; a reissue revokes the certificate it replaces.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.certificates import health_cards, signing_keys
from ledger.certificates.content import CertificateContent, DoseLine
from ledger.clinics.repository import clinic_by_code
from ledger.kit.romaji import passport_romaji
from ledger.kit.vaccines import CATALOG, manufacturer_ja, vaccine
from ledger.records.repository import records_of
from models import Certificate, LedgerRecord, Resident, audit
from models.base import utcnow
from models.keys import derived_key
from models.settings import get_settings


class CertificateRefused(Exception):
    """The certificate cannot be issued or changed as asked; the message says why."""


@dataclass(frozen=True)
class Request:
    """What the holder asks for beyond the ledger: travel details and which vaccines."""

    family_name_romaji: str | None = None
    given_name_romaji: str | None = None
    passport_number: str | None = None
    nationality: str | None = None
    vaccines: tuple[str, ...] | None = None
    """Only these vaccines (e.g. COVID-19 for travel); all when None."""


def _certificate_id(issued_on: date) -> str:
    code = get_settings().municipality_code
    return f"{code}-{issued_on:%Y%m%d}-{secrets.token_hex(4).upper()}"


def revocation_id(certificate_id: str) -> str:
    """64 bits of a keyed hash of the certificate ID: unguessable, and unlinkable to the
    person for anyone without the service's key (the spec's suggested construction)."""
    digest = hmac.new(derived_key("certificate-rid"), certificate_id.encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:8]).decode().rstrip("=")


def _place(session: Session, record: LedgerRecord) -> tuple[str, str]:
    if record.source == "transfer":
        return f"自治体コード {record.origin}", f"Municipality code {record.origin}"
    clinic = clinic_by_code(session, record.clinic_code)
    if clinic is None:
        return record.clinic_code, record.clinic_code
    return clinic.name, clinic.name


def _dose_line(session: Session, record: LedgerRecord) -> DoseLine:
    known = vaccine(record.vaccine)
    place_ja, place_en = _place(session, record)
    return DoseLine(
        dose_number=record.dose_number, vaccinated_on=record.vaccinated_on,
        vaccine=record.vaccine, vaccine_ja=known.name_ja, vaccine_en=known.name_en,
        product=known.product,
        manufacturer_ja=manufacturer_ja(session, record.vaccine, record.lot_number),
        manufacturer_en=known.manufacturer_en, cvx=known.cvx, lot_number=record.lot_number,
        place_ja=place_ja, place_en=place_en,
    )


def build_content(session: Session, resident: Resident, request: Request,
                  certificate_id: str, issued_on: date) -> CertificateContent:
    wanted = request.vaccines
    if wanted is not None:
        unknown = sorted(set(wanted) - set(CATALOG))
        if unknown:
            raise CertificateRefused(f"unknown vaccine: {', '.join(unknown)}")
    records = [r for r in records_of(session, resident.id)
               if wanted is None or r.vaccine in wanted]
    if not records:
        raise CertificateRefused("the ledger holds no dose to certify for this resident")
    family, given = passport_romaji(resident.name_kana)
    settings = get_settings()
    return CertificateContent(
        certificate_id=certificate_id, issued_on=issued_on,
        issuer_ja=settings.issuer_name_ja, issuer_en=settings.issuer_name_en,
        name=resident.name,
        family_name_romaji=(request.family_name_romaji or family).upper(),
        given_name_romaji=(request.given_name_romaji or given).upper(),
        birth_date=resident.birth_date, passport_number=request.passport_number,
        nationality=request.nationality,
        doses=tuple(_dose_line(session, r) for r in records),
    )


def content_hash(content: dict[str, Any], token: str) -> str:
    canonical = json.dumps({"content": content, "jws": token}, sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def issue(session: Session, resident: Resident, request: Request, *, actor: str,
          replaces: Certificate | None = None) -> Certificate:
    """Sign and record a certificate; the caller commits. Refused when the card would not
    fit one QR code (ask for fewer vaccines)."""
    now = utcnow()
    issued_on = now.astimezone(UTC).date()
    certificate_id = _certificate_id(issued_on)
    content = build_content(session, resident, request, certificate_id, issued_on)
    key_row = signing_keys.current(session)
    rid = revocation_id(certificate_id)
    card = health_cards.payload(content, get_settings().issuer_url, rid, int(now.timestamp()))
    token = health_cards.sign(card, signing_keys.private_key(key_row))
    try:
        health_cards.qr_code(token)
    except health_cards.CardTooLarge as too_large:
        raise CertificateRefused(f"{too_large}; issue one certificate per vaccine") from None
    stored = content.to_json()
    certificate = Certificate(
        certificate_id=certificate_id, resident_id=resident.id, issued_at=now, issued_by=actor,
        kid=key_row.kid, rid=rid, content=stored, jws=token,
        content_sha256=content_hash(stored, token),
        replaces_id=replaces.id if replaces is not None else None,
    )
    session.add(certificate)
    session.flush()
    audit.record(session, actor=actor, action="certificate.issue", resident_id=resident.id,
                 subject=certificate_id,
                 detail={"doses": len(content.doses), "kid": key_row.kid,
                         "sha256": certificate.content_sha256,
                         **({"replaces": replaces.certificate_id} if replaces else {})})
    return certificate


def revoke(session: Session, certificate: Certificate, *, actor: str, reason: str) -> None:
    if certificate.revoked:
        raise CertificateRefused(f"certificate {certificate.certificate_id} is already revoked")
    if not reason.strip():
        raise CertificateRefused("a revocation needs a reason")
    certificate.revoked_at = utcnow()
    certificate.revoked_by = actor
    certificate.revoke_reason = reason.strip()
    audit.record(session, actor=actor, action="certificate.revoke",
                 resident_id=certificate.resident_id, subject=certificate.certificate_id,
                 detail={"reason": reason.strip()})


def reissue(session: Session, certificate: Certificate, *, actor: str) -> Certificate:
    """A new certificate from the ledger as it stands now, with the same travel details;
    the old one is revoked so only the new one verifies."""
    old = CertificateContent.from_json(certificate.content)
    resident = session.get(Resident, certificate.resident_id)
    assert resident is not None
    request = Request(family_name_romaji=old.family_name_romaji,
                      given_name_romaji=old.given_name_romaji,
                      passport_number=old.passport_number, nationality=old.nationality,
                      vaccines=tuple(sorted({d.vaccine for d in old.doses})))
    fresh = issue(session, resident, request, actor=actor, replaces=certificate)
    if not certificate.revoked:
        revoke(session, certificate, actor=actor, reason=f"reissued as {fresh.certificate_id}")
    return fresh


def find(session: Session, certificate_id: str) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.certificate_id == certificate_id))


def certificates_of(session: Session, resident_id: int, *, newest_first: bool = False
                    ) -> Sequence[Certificate]:
    """Every certificate issued to the person, revoked ones included, in the order issued."""
    order = Certificate.id.desc() if newest_first else Certificate.id
    return session.scalars(select(Certificate).where(Certificate.resident_id == resident_id)
                           .order_by(order)).all()


def revocation_list(session: Session, kid: str) -> dict[str, Any]:
    """The spec's CRL for one key: every revoked rid; `ctr` grows with each revocation."""
    rids = session.scalars(select(Certificate.rid).where(Certificate.kid == kid,
                                                         Certificate.revoked_at.is_not(None))
                           .order_by(Certificate.revoked_at, Certificate.id)).all()
    return {"kid": kid, "method": "rid", "ctr": len(rids), "rids": list(rids)}


def jwks(session: Session) -> dict[str, Any]:
    """All public keys; a key with revocations says so with `crlVersion`."""
    keys = []
    for jwk in signing_keys.public_keys(session):
        ctr = revocation_list(session, jwk["kid"])["ctr"]
        keys.append({**jwk, **({"crlVersion": ctr} if ctr else {})})
    return {"keys": keys}
