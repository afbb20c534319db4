"""Vaccination certificates checked the way an outside verifier would: the PDF rasterized,
the QR decoded by a QR library, the JWS verified with jwcrypto (not the joserfc code that
signed it), the FHIR resources parsed by the fhirclient R4 models."""

from __future__ import annotations

import base64
import io
import json
import secrets
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zxingcpp
from fhirclient.models.bundle import Bundle
from jwcrypto import jwk, jws
from pdf2image import convert_from_bytes
from PIL import Image, ImageFilter
from sqlalchemy import select
from typer.testing import CliRunner

from ledger.records.service import Dose, record_dose, void_record
from models import Certificate, Clinic, Resident, Role, SigningKey
from models.db import session_scope
from tests.inprocess import client_as
from yoshin.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "shc-example-00"
"""The spec's published example 00 (CC-BY 4.0, see its README) with its issuer's keys."""
LONG_CLINIC = "医療法人社団松戸市民健康増進会附属常盤平駅前総合内科小児科クリニック"
LONG_NAME = "勅使河原左衛門之介 龍之介太郎右衛門"
LONG_KANA = "テシガワラサエモンノスケ リュウノスケタロウウエモン"


@pytest.fixture(scope="module", autouse=True)
def certificate_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A ledger of these tests' own: their residents and clinic stay out of the shared
    in-process database other tests pick their first resident from."""
    from models.migrate import upgrade
    from yoshin.measure.harness import isolated_home

    home = tmp_path_factory.mktemp("certificates-home")
    with isolated_home(home):
        upgrade()
        yield home


def _resident(doses: int = 4, name: str = LONG_NAME, kana: str = LONG_KANA) -> int:
    with session_scope() as session:
        if session.scalar(select(Clinic).where(Clinic.clinic_code == "7654321")) is None:
            session.add(Clinic(clinic_code="7654321", name=LONG_CLINIC, doctors=["常盤 一郎"]))
        resident = Resident(atena_number=f"C{secrets.token_hex(5)}", name=name, name_kana=kana,
                            birth_date=date(1948, 2, 29), sex="F")
        session.add(resident)
        session.flush()
        plan = [("pfizer", "FF5357"), ("pfizer", "FH0151"), ("moderna", "3005236"),
                ("daiichi", "TD0013"), ("influenza", "HK55A")]
        for number, (vaccine, lot) in enumerate(plan[:doses], start=1):
            record_dose(session, Dose(resident.id, vaccine, 2024 if vaccine == "influenza"
                                      else number, date(2021, 4, 1 + number), lot, "7654321"),
                        source="scan", actor="test", user_id=None)
        return resident.id


def _qr_texts(pdf: bytes, dpi: int = 200) -> list[str]:
    page = convert_from_bytes(pdf, dpi=dpi)[0]
    return [code.text for code in zxingcpp.read_barcodes(np.asarray(page.convert("L")))]


def _jws_of(shc: str) -> str:
    digits = shc.removeprefix("shc:/")
    return "".join(chr(int(digits[i:i + 2]) + 45) for i in range(0, len(digits), 2))


def _verified_payload(token: str, keys: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify with jwcrypto against the served JWKS and inflate the payload ourselves."""
    keyset = jwk.JWKSet.from_json(json.dumps(keys))
    signed = jws.JWS()
    signed.deserialize(token)
    key = keyset.get_key(signed.jose_header["kid"])
    assert key is not None
    signed.verify(key, alg="ES256")
    assert key.thumbprint() == signed.jose_header["kid"]
    return signed.jose_header, json.loads(zlib.decompress(signed.payload, -15))


def _issue(client: Any, resident_id: int, **body: Any) -> Any:
    answer = client.post(f"/api/residents/{resident_id}/certificates", json=body)
    assert answer.status_code == 201, answer.text
    return answer


def _walk(value: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _walk(item, f"{path}.{key}")] + \
            [(f"{path}.{key}", item) for key, item in value.items()]
    if isinstance(value, list):
        return [p for item in value for p in _walk(item, f"{path}[]")]
    return []


def test_a_certificate_pdf_carries_a_verifiable_minimised_card() -> None:
    resident_id = _resident(doses=4)
    clerk = client_as(Role.REVIEWER)
    answer = _issue(clerk, resident_id, passport_number="TK1234567", nationality="JAPAN")
    assert answer.headers["content-type"] == "application/pdf"
    certificate_id = answer.headers["x-certificate-id"]

    texts = _qr_texts(answer.content)
    assert len(texts) == 1 and texts[0].startswith("shc:/")
    token = _jws_of(texts[0])
    keys = clerk.get("/.well-known/jwks.json").json()
    header, card = _verified_payload(token, keys)
    assert (header["alg"], header["zip"]) == ("ES256", "DEF")

    assert card["iss"] == "https://localhost:8000"
    assert isinstance(card["nbf"], int)
    vc = card["vc"]
    assert {"https://smarthealth.cards#health-card",
            "https://smarthealth.cards#immunization"} <= set(vc["type"])
    assert 0 < len(vc["rid"]) <= 24 and "." not in vc["rid"]
    subject = vc["credentialSubject"]
    assert subject["fhirVersion"] == "4.0.1"
    bundle = subject["fhirBundle"]
    parsed = Bundle(bundle, strict=True)
    kinds = [entry.resource.resource_type for entry in parsed.entry]
    assert kinds == ["Patient"] + ["Immunization"] * 4
    assert [entry.fullUrl for entry in parsed.entry] == [f"resource:{n}" for n in range(5)]
    immunizations = [entry.resource for entry in parsed.entry[1:]]
    assert [i.vaccineCode.coding[0].code for i in immunizations] == ["208", "208", "207", "213"]
    assert {i.vaccineCode.coding[0].system for i in immunizations} == \
        {"http://hl7.org/fhir/sid/cvx"}
    assert [i.lotNumber for i in immunizations] == ["FF5357", "FH0151", "3005236", "TD0013"]
    assert all(i.patient.reference == "resource:0" for i in immunizations)
    assert all(i.performer[0].actor.display == LONG_CLINIC for i in immunizations)
    patient = parsed.entry[0].resource
    assert patient.birthDate.isostring == "1948-02-29"
    assert patient.name[0].family == "TESHIGAWARASAEMONNOSUKE"
    assert patient.name[1].family == "勅使河原左衛門之介"
    for path, _ in _walk(bundle):
        leaf = path.rsplit(".", 1)[-1]
        assert leaf not in {"id", "text", "meta"}, path
        assert leaf != "display" or path.endswith("performer[].actor.display"), path

    pdf_text = _pdf_text(answer.content)
    for expected in (LONG_NAME.replace(" ", ""), "TK1234567", "JAPAN", certificate_id,
                     "FF5357", "TD0013"):
        assert expected in pdf_text

    card_file = clerk.get(f"/api/certificates/{certificate_id}/smart-health-card")
    assert card_file.headers["content-type"] == "application/smart-health-card"
    assert card_file.json() == {"verifiableCredential": [token]}


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf))
                   .pages)


def test_four_doses_and_long_names_fit_one_qr_of_version_22_or_less() -> None:
    from ledger.certificates.health_cards import qr_code

    resident_id = _resident(doses=4)
    clerk = client_as(Role.REVIEWER)
    certificate_id = _issue(clerk, resident_id).headers["x-certificate-id"]
    with session_scope() as session:
        token = session.scalar(select(Certificate.jws)
                               .where(Certificate.certificate_id == certificate_id))
    assert qr_code(token).version <= 22


def test_the_issuance_is_recorded_with_a_hash_of_its_content() -> None:
    from ledger.certificates.service import content_hash
    from models import AuditEvent

    resident_id = _resident(doses=2)
    clerk = client_as(Role.REVIEWER)
    certificate_id = _issue(clerk, resident_id).headers["x-certificate-id"]
    listed = clerk.get(f"/api/residents/{resident_id}/certificates").json()
    assert [c["certificate_id"] for c in listed] == [certificate_id]
    assert listed[0]["issued_by"].startswith("reviewer-") and listed[0]["doses"] == 2
    with session_scope() as session:
        row = session.scalar(select(Certificate).where(Certificate.certificate_id ==
                                                       certificate_id))
        assert row.content_sha256 == content_hash(row.content, row.jws)
        assert row.content["name"] == LONG_NAME
        event = session.scalar(select(AuditEvent).where(AuditEvent.subject == certificate_id))
        assert (event.action, event.resident_id) == ("certificate.issue", resident_id)
        assert event.detail["sha256"] == row.content_sha256


def test_cli_verifies_the_pdf_a_photo_of_it_and_the_card_file(tmp_path: Path) -> None:
    resident_id = _resident(doses=3, name="松戸 花子", kana="マツド ハナコ")
    clerk = client_as(Role.REVIEWER)
    answer = _issue(clerk, resident_id)
    certificate_id = answer.headers["x-certificate-id"]
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(answer.content)
    photo = tmp_path / "photo.jpg"
    page = convert_from_bytes(answer.content, dpi=150)[0].convert("L")
    page.rotate(4, expand=True, fillcolor=255).filter(ImageFilter.GaussianBlur(0.8)) \
        .save(photo, quality=55)
    card = tmp_path / "card.smart-health-card"
    card.write_bytes(clerk.get(f"/api/certificates/{certificate_id}/smart-health-card").content)

    runner = CliRunner()
    for path in (pdf, photo, card):
        result = runner.invoke(app, ["certificates", "verify", str(path)])
        assert result.exit_code == 0, (path.name, result.output)
        assert "VALID" in result.output and "MATSUDO HANAKO" in result.output
        assert result.output.count("dose 2021-") == 3

    blank = tmp_path / "blank.png"
    Image.new("L", (800, 600), 255).save(blank)
    result = runner.invoke(app, ["certificates", "verify", str(blank)])
    assert result.exit_code == 1 and "no SMART Health Card QR" in result.output


def test_the_published_example_verifies_and_fails_when_any_byte_changes(tmp_path: Path) -> None:
    from ledger.certificates.verify import VerificationFailed, verify

    runner = CliRunner()
    keys = EXAMPLE / "issuer-jwks.json"
    for name in ("example-00-e-file.smart-health-card", "example-00-d-jws.txt",
                 "example-00-f-qr-code-numeric-value-0.txt"):
        result = runner.invoke(app, ["certificates", "verify", str(EXAMPLE / name),
                                     "--jwks", str(keys)])
        assert result.exit_code == 0, (name, result.output)
        assert "Anyperson John B." in result.output and result.output.count("dose ") == 3
    unknown = runner.invoke(app, ["certificates", "verify",
                                  str(EXAMPLE / "example-00-d-jws.txt")])
    assert unknown.exit_code == 1 and "not trusted" in unknown.output

    token = (EXAMPLE / "example-00-d-jws.txt").read_text().strip()
    issuers = {"https://spec.smarthealth.cards/examples/issuer": json.loads(keys.read_text())
               ["keys"]}
    verify(token, issuers)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    accepted = []
    for position, char in enumerate(token):
        changed = token[:position] + alphabet[(alphabet.index(char) + 1) % len(alphabet)] + \
            token[position + 1:]
        try:
            verify(changed, issuers)
            accepted.append(position)
        except VerificationFailed:
            pass
    assert accepted == []
    changed_file = tmp_path / "changed.txt"
    changed_file.write_text(token[:200] + ("A" if token[200] != "A" else "B") + token[201:])
    result = runner.invoke(app, ["certificates", "verify", str(changed_file), "--jwks", str(keys)])
    assert result.exit_code == 1 and "NOT VALID" in result.output


def test_revoking_puts_the_rid_on_the_list_and_verification_fails(tmp_path: Path) -> None:
    resident_id = _resident(doses=2)
    clerk, supervisor = client_as(Role.REVIEWER), client_as(Role.SUPERVISOR)
    answer = _issue(clerk, resident_id)
    certificate_id = answer.headers["x-certificate-id"]
    kept = _issue(clerk, resident_id).headers["x-certificate-id"]
    pdf = tmp_path / "revoked.pdf"
    pdf.write_bytes(answer.content)
    assert clerk.post(f"/api/certificates/{certificate_id}/revoke",
                      json={"reason": "x"}).status_code == 403
    assert supervisor.post(f"/api/certificates/{certificate_id}/revoke",
                           json={"reason": ""}).status_code == 422
    revoked = supervisor.post(f"/api/certificates/{certificate_id}/revoke",
                              json={"reason": "紛失の届出"})
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert supervisor.post(f"/api/certificates/{certificate_id}/revoke",
                           json={"reason": "again"}).status_code == 409

    with session_scope() as session:
        row = session.scalar(select(Certificate).where(Certificate.certificate_id ==
                                                       certificate_id))
        rid, kid = row.rid, row.kid
        kept_rid = session.scalar(select(Certificate.rid)
                                  .where(Certificate.certificate_id == kept))
    crl = clerk.get(f"/.well-known/crl/{kid}.json").json()
    assert crl["kid"] == kid and crl["method"] == "rid" and rid in crl["rids"]
    assert kept_rid not in crl["rids"]
    key = next(k for k in clerk.get("/.well-known/jwks.json").json()["keys"] if k["kid"] == kid)
    assert key["crlVersion"] == crl["ctr"] >= 1
    assert clerk.get(f"/api/certificates/{certificate_id}/pdf").status_code == 410

    result = CliRunner().invoke(app, ["certificates", "verify", str(pdf)])
    assert result.exit_code == 1 and "revoked" in result.output


def test_reissue_makes_a_new_certificate_from_todays_ledger_and_revokes_the_old() -> None:
    resident_id = _resident(doses=3)
    clerk = client_as(Role.REVIEWER)
    old = _issue(clerk, resident_id, passport_number="TZ7654321").headers["x-certificate-id"]
    with session_scope() as session:
        record = session.scalar(select(Resident).where(Resident.id == resident_id))
        from models import LedgerRecord

        third = session.scalar(select(LedgerRecord).where(LedgerRecord.resident_id ==
                                                          record.id, LedgerRecord.dose_number
                                                          == 3))
        void_record(session, third, reason="誤登録", actor="test", user_id=None)
    fresh = client_as(Role.SUPERVISOR).post(f"/api/certificates/{old}/reissue")
    assert fresh.status_code == 201, fresh.text
    assert fresh.json()["replaces"] == old and fresh.json()["doses"] == 2
    assert clerk.get(f"/api/certificates/{old}").json()["revoked"] is True
    with session_scope() as session:
        row = session.scalar(select(Certificate).where(Certificate.certificate_id ==
                                                       fresh.json()["certificate_id"]))
        assert row.content["passport_number"] == "TZ7654321"


def test_rotation_keeps_old_cards_valid_and_keys_are_encrypted_at_rest(tmp_path: Path) -> None:
    resident_id = _resident(doses=1)
    clerk = client_as(Role.REVIEWER)
    before = tmp_path / "before.pdf"
    before.write_bytes(_issue(clerk, resident_id).content)
    runner = CliRunner()
    assert runner.invoke(app, ["certificates", "rotate-key"]).exit_code == 0
    after = tmp_path / "after.pdf"
    after.write_bytes(_issue(clerk, resident_id).content)
    kids = {_verified_payload(_jws_of(_qr_texts(p.read_bytes())[0]),
                              clerk.get("/.well-known/jwks.json").json())[0]["kid"]
            for p in (before, after)}
    assert len(kids) == 2
    for path in (before, after):
        assert runner.invoke(app, ["certificates", "verify", str(path)]).exit_code == 0
    with session_scope() as session:
        for row in session.scalars(select(SigningKey)):
            assert b"PRIVATE" not in row.private_encrypted and b"-----" not in row.private_encrypted
            assert "d" not in row.public_jwk
    assert all("d" not in k for k in clerk.get("/.well-known/jwks.json").json()["keys"])


def test_fhir_export_is_a_valid_r4_bundle_without_voided_doses() -> None:
    resident_id = _resident(doses=5)
    supervisor = client_as(Role.SUPERVISOR)
    answer = supervisor.get(f"/api/residents/{resident_id}/fhir")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/fhir+json"
    parsed = Bundle(answer.json(), strict=True)
    immunizations = [e.resource for e in parsed.entry if e.resource.resource_type ==
                     "Immunization"]
    assert len(immunizations) == 5
    assert {i.vaccineCode.coding[0].code for i in immunizations} == {"208", "207", "213", "88"}
    assert all(i.patient.reference == f"Patient/resident-{resident_id}" for i in immunizations)
    assert client_as(Role.REVIEWER).get(f"/api/residents/{resident_id}/fhir").status_code == 403


def test_fhir_export_writes_jp_core_immunization_with_the_ledger_items() -> None:
    with session_scope() as session:
        child = Resident(atena_number=f"F{secrets.token_hex(5)}", name="予診 一郎",
                         name_kana="ヨシン イチロウ", birth_date=date(2025, 6, 15), sex="M")
        session.add(child)
        session.flush()
        record_dose(session, Dose(child.id, "dpt_ipv_hib", 1, date(2025, 8, 14), "DPT01A",
                                  doctor_name="田村 誠", dose_ml="0.5"),
                    source="scan", actor="test", user_id=None)
        record_dose(session, Dose(child.id, "dpt_ipv_hib", 2, date(2025, 9, 1), "DPT01A",
                                  mistake="接種間違い: 20日以上の間隔が必要です"),
                    source="scan", actor="test", user_id=None)
        resident_id = child.id
    answer = client_as(Role.SUPERVISOR).get(f"/api/residents/{resident_id}/fhir")
    Bundle(answer.json(), strict=True)
    first, second = [e["resource"] for e in answer.json()["entry"]
                     if e["resource"]["resourceType"] == "Immunization"]
    assert first["meta"]["profile"] == [
        "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Immunization"]
    assert first["vaccineCode"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/cvx", "code": "120",
        "display": "DTaP-IPV-Hib vaccine"}
    assert first["doseQuantity"] == {"value": 0.5, "unit": "mL",
                                     "system": "http://unitsofmeasure.org", "code": "mL"}
    series = "五種混合（ジフテリア・百日せき・破傷風・ポリオ・Hib）"
    assert first["protocolApplied"] == [{"doseNumberPositiveInt": 1, "series": series}]
    assert first["performer"][0]["actor"] == {"display": "田村 誠"}
    assert first["fundingSource"] == {"text": "公費"} and "isSubpotent" not in first
    assert second["isSubpotent"] is True
    assert second["subpotentReason"] == [{"text": "接種間違い: 20日以上の間隔が必要です"}]


@pytest.mark.parametrize(("role", "body", "status"), [
    (Role.SCANNER, {}, 403),
    (Role.REVIEWER, {"passport_number": "tk 12"}, 422),
    (Role.REVIEWER, {"vaccines": ["smallpox"]}, 422),
])
def test_issuing_refuses_wrong_roles_and_bad_requests(role: Role, body: dict[str, Any],
                                                      status: int) -> None:
    resident_id = _resident(doses=1)
    answer = client_as(role).post(f"/api/residents/{resident_id}/certificates", json=body)
    assert answer.status_code == status
    if status == 422:
        assert "tk 12" not in answer.text


def test_no_doses_and_unknown_residents_are_refused() -> None:
    clerk = client_as(Role.REVIEWER)
    empty = _resident(doses=0)
    answer = clerk.post(f"/api/residents/{empty}/certificates", json={})
    assert answer.status_code == 409 and "no dose" in answer.json()["detail"]
    assert clerk.post("/api/residents/999999/certificates", json={}).status_code == 404
    assert clerk.get("/api/certificates/122076-20260101-XXXX/pdf").status_code == 404
    assert clerk.get("/.well-known/crl/" + base64.urlsafe_b64encode(b"x" * 32).decode()
                     .rstrip("=") + ".json").status_code == 404
