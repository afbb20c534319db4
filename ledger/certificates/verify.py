"""Checking a SMART Health Card as any verifier would: find the QR, check the signature
against the issuer's published keys, the revocation list, the payload's shape.

The keys are given, never fetched: these machines cannot reach an issuer's URL, so trust is
what the caller passes in (this service's own keys, configured issuers, a JWKS file).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import zxingcpp
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey
from pdf2image import convert_from_bytes
from PIL import Image, UnidentifiedImageError

from ledger.certificates import health_cards

CLOCK_SKEW_SECONDS = 300
MAX_FILE_BYTES = 50 * 1024 * 1024


class VerificationFailed(Exception):
    """The card is not valid; the message says which check failed."""


@dataclass(frozen=True)
class Dose:
    occurred: str
    cvx: str
    lot_number: str
    performer: str


@dataclass
class Card:
    issuer: str
    kid: str
    issued: datetime
    names: list[str]
    birth_date: str
    doses: list[Dose]
    rid: str | None
    notes: list[str] = field(default_factory=list)
    """What could not be checked (say, no revocation list for the key)."""


def _qr_texts(image: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(np.asarray(image.convert("L")),
                                   formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    return [code.text for code in found if code.text.startswith(health_cards.QR_PREFIX)]


def read_tokens(path: Path) -> list[str]:
    """The JWS of every card in a PDF, an image, a `.smart-health-card` file, or a text file
    holding `shc:/…` or the JWS itself."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise VerificationFailed(f"{path.name} is larger than {MAX_FILE_BYTES >> 20} MB")
    data = path.read_bytes()
    if not data.strip():
        raise VerificationFailed(f"{path.name} is empty")
    if data.startswith(b"%PDF"):
        try:
            pages = convert_from_bytes(data, dpi=300)
        except Exception as error:  # poppler says why in many ways
            raise VerificationFailed(f"{path.name} is not a readable PDF: {error}") from None
        texts = [text for page in pages for text in _qr_texts(page)]
        return _from_qr(texts, path)
    if data.lstrip().startswith(b"{"):
        return _from_card_file(data, path)
    text = data.decode("utf-8", errors="replace").strip()
    if text.startswith(health_cards.QR_PREFIX):
        return [health_cards.from_numeric(text)]
    if text.count(".") == 2 and " " not in text:
        return [text]
    try:
        with Image.open(path) as image:
            image.load()
            return _from_qr(_qr_texts(image), path)
    except (UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise VerificationFailed(f"{path.name}: not a PDF, image, card file or JWS "
                                 f"({type(error).__name__})") from None


def _from_qr(texts: list[str], path: Path) -> list[str]:
    if not texts:
        raise VerificationFailed(f"no SMART Health Card QR code found in {path.name}")
    try:
        return [health_cards.from_numeric(text) for text in texts]
    except ValueError as error:
        raise VerificationFailed(str(error)) from None


def _from_card_file(data: bytes, path: Path) -> list[str]:
    try:
        tokens = json.loads(data)["verifiableCredential"]
    except (ValueError, KeyError, TypeError):
        raise VerificationFailed(f"{path.name} is not a .smart-health-card file") from None
    if not isinstance(tokens, list) or not tokens or not all(isinstance(t, str) for t in tokens):
        raise VerificationFailed(f"{path.name} holds no card")
    return tokens


def _canonical(token: str) -> None:
    """Each part must be the one base64url spelling of its bytes: otherwise a changed last
    character whose bits the decoder drops would leave a valid signature on a changed card."""
    parts = token.split(".")
    if len(parts) != 3:
        raise VerificationFailed("not a compact JWS (three parts separated by dots)")
    for part in parts:
        try:
            decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except (ValueError, binascii.Error):
            raise VerificationFailed("a JWS part is not base64url") from None
        if base64.urlsafe_b64encode(decoded).rstrip(b"=").decode() != part:
            raise VerificationFailed("a JWS part is not canonical base64url")


def _header(token: str) -> dict[str, Any]:
    _canonical(token)
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError) as error:
        raise VerificationFailed(f"not a compact JWS: {error}") from None
    if header.get("alg") != "ES256" or header.get("zip") != "DEF" or not header.get("kid"):
        raise VerificationFailed("header must have alg ES256, zip DEF and a kid")
    return header


def claimed_issuer(token: str) -> str:
    try:
        raw = jws.extract_compact(token.encode()).payload
        return str(json.loads(health_cards.inflate(raw))["iss"])
    except (JoseError, ValueError, KeyError, TypeError):
        raise VerificationFailed("the payload is not raw-DEFLATEd JSON with an iss") from None


def _key(keys: list[dict[str, Any]], kid: str) -> tuple[ECKey, dict[str, Any]]:
    for jwk in keys:
        if jwk.get("kid") == kid:
            key = ECKey.import_key({k: v for k, v in jwk.items() if k in
                                    ("kty", "crv", "x", "y", "kid", "alg", "use")})
            if key.thumbprint() != kid:
                raise VerificationFailed(f"key {kid} is not named by its JWK thumbprint")
            return key, jwk
    raise VerificationFailed(f"the issuer publishes no key {kid}")


def _revoked(crl: Mapping[str, Any], rid: str, nbf: float) -> bool:
    for entry in crl.get("rids", []):
        revoked_rid, _, before = str(entry).partition(".")
        if revoked_rid == rid and (not before or nbf < int(before)):
            return True
    return False


def verify(token: str, issuers: Mapping[str, list[dict[str, Any]]],
           crls: Mapping[str, Mapping[str, Any]] | None = None,
           now: float | None = None) -> Card:
    """Check one card. `issuers` maps each trusted `iss` to its public keys; `crls` maps a
    kid to its revocation list. Raises VerificationFailed naming the first check that fails."""
    header = _header(token)
    issuer = claimed_issuer(token)
    if issuer not in issuers:
        raise VerificationFailed(f"issuer {issuer} is not trusted (give its keys with --jwks)")
    key, jwk = _key(issuers[issuer], header["kid"])
    try:
        signed = jws.deserialize_compact(token, key, registry=health_cards.REGISTRY)
    except JoseError:
        raise VerificationFailed("the signature does not match the issuer's key") from None
    try:
        card = json.loads(health_cards.inflate(signed.payload))
    except ValueError as error:
        raise VerificationFailed(str(error)) from None
    if not isinstance(card, dict):
        raise VerificationFailed("the payload is not a JSON object")
    nbf = card.get("nbf")
    if not isinstance(nbf, int | float):
        raise VerificationFailed("the card has no nbf")
    if nbf > (now or time.time()) + CLOCK_SKEW_SECONDS:
        raise VerificationFailed("the card is not valid yet (nbf in the future)")
    vc = card.get("vc") or {}
    if "https://smarthealth.cards#health-card" not in vc.get("type", []):
        raise VerificationFailed("vc.type does not include https://smarthealth.cards#health-card")
    subject = vc.get("credentialSubject") or {}
    if subject.get("fhirVersion") != health_cards.FHIR_VERSION:
        raise VerificationFailed(f"fhirVersion is {subject.get('fhirVersion')!r}, not 4.0.1")
    result = _read_bundle(subject.get("fhirBundle") or {})
    rid = vc.get("rid")
    notes = []
    if "crlVersion" in jwk or (crls and header["kid"] in crls):
        crl = (crls or {}).get(header["kid"])
        if crl is None:
            notes.append(f"revocation not checked: no revocation list given for key "
                         f"{header['kid']}")
        elif rid and _revoked(crl, rid, nbf):
            raise VerificationFailed(f"the card was revoked (rid {rid})")
    return Card(issuer=issuer, kid=header["kid"], issued=datetime.fromtimestamp(nbf, UTC),
                names=result[0], birth_date=result[1], doses=result[2], rid=rid, notes=notes)


def _read_bundle(bundle: Mapping[str, Any]) -> tuple[list[str], str, list[Dose]]:
    if bundle.get("resourceType") != "Bundle":
        raise VerificationFailed("credentialSubject.fhirBundle is not a FHIR Bundle")
    resources = [entry.get("resource") or {} for entry in bundle.get("entry", [])]
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    if len(patients) != 1:
        raise VerificationFailed("the bundle must hold exactly one Patient")
    names = [" ".join([n.get("family", ""), *n.get("given", [])]).strip()
             for n in patients[0].get("name", [])]
    doses = []
    for resource in resources:
        if resource.get("resourceType") != "Immunization":
            continue
        codes = [c.get("code", "") for c in resource.get("vaccineCode", {}).get("coding", [])]
        performers = [p.get("actor", {}).get("display", "") for p in resource.get("performer", [])]
        doses.append(Dose(occurred=str(resource.get("occurrenceDateTime", "")),
                          cvx=",".join(codes), lot_number=resource.get("lotNumber", ""),
                          performer=", ".join(p for p in performers if p)))
    birth = str(patients[0].get("birthDate", ""))
    try:
        date.fromisoformat(birth)
    except ValueError:
        if len(birth) not in (4, 7):  # FHIR allows a year or a year and month
            raise VerificationFailed(f"the Patient's birthDate {birth!r} is not a date") from None
    return names, birth, doses
