"""SMART Health Cards: the minimised FHIR bundle, the signed JWS, its numeric QR form.

Everything here follows https://spec.smarthealth.cards: the payload is raw-DEFLATE of
minified JSON, signed ES256 with `zip: DEF` and the key's JWK thumbprint as `kid`; the QR
holds `shc:/` (byte mode) followed by the JWS as digits (numeric mode), so that a card with
four doses stays within QR version 22 at error correction L.
"""

from __future__ import annotations

import json
import zlib
from functools import lru_cache
from typing import Any

import segno
from joserfc import jws
from joserfc.jwk import ECKey
from joserfc.jws import JWSRegistry
from joserfc.registry import HeaderParameter

from ledger.certificates.content import CertificateContent
from ledger.kit.text import split_name

CARD_TYPES = ("https://smarthealth.cards#health-card", "https://smarthealth.cards#immunization")
FHIR_VERSION = "4.0.1"
CVX_SYSTEM = "http://hl7.org/fhir/sid/cvx"
QR_PREFIX = "shc:/"
MAX_QR_VERSION = 22
REGISTRY = JWSRegistry(header_registry={"zip": HeaderParameter("Compression", "str")},
                       algorithms=["ES256"])
"""joserfc checks JWS headers strictly; `zip` is a JWE header the SHC spec borrows."""


class CardTooLarge(ValueError):
    """The card does not fit one QR code of version 22."""


def minimal_bundle(content: CertificateContent) -> dict[str, Any]:
    """The FHIR R4 Bundle as the spec minimises it: `resource:N` references, no ids, no
    narrative, no codings' display: only what a verifier needs to match a person and doses."""
    family, given_name = split_name(content.name)
    given = [given_name] if given_name else []
    patient = {
        "resourceType": "Patient",
        "name": [{"family": content.family_name_romaji, "given": [content.given_name_romaji]},
                 {"family": family, **({"given": given} if given else {})}],
        "birthDate": content.birth_date.isoformat(),
    }
    entries: list[dict[str, Any]] = [{"fullUrl": "resource:0", "resource": patient}]
    for index, dose in enumerate(content.doses, start=1):
        immunization: dict[str, Any] = {
            "resourceType": "Immunization",
            "status": "completed",
            "vaccineCode": {"coding": [{"system": CVX_SYSTEM, "code": dose.cvx}]},
            "patient": {"reference": "resource:0"},
            "occurrenceDateTime": dose.vaccinated_on.isoformat(),
        }
        if dose.place_ja:
            immunization["performer"] = [{"actor": {"display": dose.place_ja}}]
        if dose.lot_number:
            immunization["lotNumber"] = dose.lot_number
        entries.append({"fullUrl": f"resource:{index}", "resource": immunization})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def payload(content: CertificateContent, issuer: str, rid: str, nbf: int) -> dict[str, Any]:
    return {
        "iss": issuer,
        "nbf": nbf,
        "vc": {
            "type": list(CARD_TYPES),
            "credentialSubject": {"fhirVersion": FHIR_VERSION,
                                  "fhirBundle": minimal_bundle(content)},
            "rid": rid,
        },
    }


def minified(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def inflate(data: bytes, limit: int = 1 << 20) -> bytes:
    """Raw INFLATE with a cap, so a crafted card cannot expand into gigabytes."""
    decompressor = zlib.decompressobj(-15)
    try:
        out = decompressor.decompress(data, limit)
    except zlib.error as error:
        raise ValueError(f"the card's payload is not raw DEFLATE: {error}") from None
    if decompressor.unconsumed_tail:
        raise ValueError("the card's payload inflates beyond 1 MiB")
    return out


def sign(card: dict[str, Any], key: ECKey) -> str:
    header = {"alg": "ES256", "zip": "DEF", "kid": key.kid}
    return jws.serialize_compact(header, deflate(minified(card)), key, registry=REGISTRY)


def to_numeric(token: str) -> str:
    """`shc:/` and each JWS character as two digits (its code point minus 45)."""
    return QR_PREFIX + "".join(f"{ord(char) - 45:02d}" for char in token)


def from_numeric(text: str) -> str:
    digits = text.strip()
    if not digits.startswith(QR_PREFIX):
        raise ValueError("not a SMART Health Card QR (no shc:/ prefix)")
    digits = digits[len(QR_PREFIX):]
    if "/" in digits:
        raise ValueError("a chunked card (several QR codes) is not supported")
    if not digits.isdigit() or len(digits) % 2:
        raise ValueError("the QR's digits are not pairs of digits")
    return "".join(chr(int(digits[i:i + 2]) + 45) for i in range(0, len(digits), 2))


@lru_cache(maxsize=64)
def qr_code(token: str) -> segno.QRCode:
    """Encoding a version-22 code takes ~50 ms; issuing checks the size and the PDF then
    draws the same code, so the encoding is kept for the next call with the same card."""
    numeric = to_numeric(token)
    try:
        # segno's stub types `content` as one str/int/bytes, but make_qr also takes the list
        # of (data, mode) segments its documentation describes (segno.encoder.prepare_data).
        code = segno.make_qr([(QR_PREFIX, segno.consts.MODE_BYTE),  # type: ignore[arg-type]
                              (numeric[len(QR_PREFIX):], segno.consts.MODE_NUMERIC)],
                             error="l", boost_error=False)
    except segno.DataOverflowError as overflow:
        raise CardTooLarge(f"the card is {len(token)} characters: too large for a QR") from overflow
    if qr_version(code) > MAX_QR_VERSION:
        raise CardTooLarge(f"the card needs QR version {code.version}, above {MAX_QR_VERSION}")
    return code


def qr_version(code: segno.QRCode) -> int:
    """The version (size) of a QR code as a number. segno types it `int | str` because a Micro
    QR's version is a string ("M1".."M4"); make_qr never makes one, so this is always an int."""
    version = code.version
    if not isinstance(version, int):
        raise TypeError(f"a Micro QR code (version {version}) where a QR code was made")
    return version


def card_file(tokens: list[str]) -> bytes:
    """The `.smart-health-card` file: the JWS in a JSON wrapper."""
    return json.dumps({"verifiableCredential": tokens}).encode()
