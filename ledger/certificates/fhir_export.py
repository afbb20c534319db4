"""One resident's immunizations as a FHIR R4 Bundle of JP Core Immunization resources, for
another system or for the person (the national hub's shape: vaccine codes from the master,
lot, dose quantity in mL, dose number, the 接種医 as administering provider, a supervisor's
接種間違い as isSubpotent with its reason).

Unlike a health card this is not minimised: it keeps ids, displays and the ledger's own
vaccine code beside CVX, so a receiving system can match records back to this ledger. It
carries no My Number and no address.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ledger.certificates.health_cards import CVX_SYSTEM
from ledger.clinics.repository import clinic_by_code
from ledger.kit.text import split_name
from ledger.kit.vaccines import manufacturer_ja, vaccine
from ledger.records.repository import records_of
from ledger.schedule.rules import schedule
from models import Judgement, LedgerRecord, Resident
from models.settings import get_settings

LEDGER_VACCINE_SYSTEM = "https://yoshin.example/fhir/vaccine"
LEDGER_RECORD_SYSTEM = "https://yoshin.example/fhir/ledger-record"
JP_CORE_IMMUNIZATION = "http://jpfhir.jp/fhir/core/StructureDefinition/JP_Immunization"
"""JP Core's Immunization profile (JAMI): status, vaccineCode, patient and occurrence required;
lot, dose quantity in mL and dose number carried when the ledger holds them."""
UCUM = "http://unitsofmeasure.org"
PERFORMER_FUNCTION = "http://terminology.hl7.org/CodeSystem/v2-0443"
"""HL7 v2 table 0443: AP is the administering provider (the 接種医)."""


def _patient(resident: Resident) -> dict[str, Any]:
    family, given = split_name(resident.name)
    kana_family, kana_given = split_name(resident.name_kana)
    return {
        "resourceType": "Patient",
        "id": f"resident-{resident.id}",
        "name": [
            {"use": "official", "text": resident.name, "family": family,
             **({"given": [given]} if given else {})},
            {"use": "usual", "text": resident.name_kana, "family": kana_family,
             **({"given": [kana_given]} if kana_given else {})},
        ],
        "gender": {"M": "male", "F": "female"}.get(resident.sex, "unknown"),
        "birthDate": resident.birth_date.isoformat(),
    }


def _immunization(session: Session, record: LedgerRecord, patient_id: str) -> dict[str, Any]:
    known = vaccine(record.vaccine)
    series = schedule().of_product(record.vaccine)
    manufacturer = manufacturer_ja(session, record.vaccine, record.lot_number)
    resource: dict[str, Any] = {
        "resourceType": "Immunization",
        "id": f"record-{record.id}",
        "identifier": [{"system": LEDGER_RECORD_SYSTEM,
                        "value": f"{get_settings().municipality_code}-{record.id}"}],
        "status": "completed",
        "vaccineCode": {"coding": [
            {"system": CVX_SYSTEM, "code": known.cvx, "display": known.name_en},
            {"system": LEDGER_VACCINE_SYSTEM, "code": record.vaccine, "display": known.name_ja},
        ]},
        "patient": {"reference": f"Patient/{patient_id}"},
        "occurrenceDateTime": record.vaccinated_on.isoformat(),
        "primarySource": record.source != "transfer",
        "lotNumber": record.lot_number,
        "protocolApplied": [{"doseNumberPositiveInt": record.dose_number,
                             **({"series": series.name_ja} if series else {})}],
    }
    resource["meta"] = {"profile": [JP_CORE_IMMUNIZATION]}
    if record.dose_ml:
        resource["doseQuantity"] = {"value": float(record.dose_ml), "unit": "mL",
                                    "system": UCUM, "code": "mL"}
    if record.judgement == Judgement.MISTAKE:  # 接種間違い recorded by a supervisor
        resource["isSubpotent"] = True
        resource["subpotentReason"] = [{"text": record.judgement_reason}]
    if record.fee:
        resource["fundingSource"] = {"text": record.fee}
    if manufacturer:
        resource["manufacturer"] = {"display": manufacturer}
    if record.source == "transfer":
        resource["reportOrigin"] = {"text": f"自治体コード {record.origin}"}
    clinic = clinic_by_code(session, record.clinic_code)
    performers = []
    if record.doctor_name:
        performers.append({"function": {"coding": [{"system": PERFORMER_FUNCTION,
                                                    "code": "AP"}]},
                           "actor": {"display": record.doctor_name}})
    if clinic is not None:
        performers.append({"actor": {"display": clinic.name}})
    if performers:
        resource["performer"] = performers
    return resource


def resident_bundle(session: Session, resident: Resident) -> dict[str, Any]:
    patient = _patient(resident)
    records = records_of(session, resident.id)
    base = get_settings().issuer_url.rstrip("/") + "/fhir"
    entries = [{"fullUrl": f"{base}/Patient/{patient['id']}", "resource": patient}]
    for record in records:
        resource = _immunization(session, record, patient["id"])
        entries.append({"fullUrl": f"{base}/Immunization/{resource['id']}",
                        "resource": resource})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
