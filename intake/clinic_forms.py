"""The digital forms clinics submit instead of paper: our own JSON and FHIR R4 Immunization.

Both become the same values a scanned form's reader produces (the keys of the field map),
so a submission is matched, checked and committed by exactly the code a scan goes through.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from ledger.kit.vaccines import BY_CVX

QuestionKey = Literal["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "q11", "q12"]
"""The form's twelve questions, spelled out so that a type checker knows them too."""
QUESTION_KEYS: tuple[QuestionKey, ...] = get_args(QuestionKey)
YOSHIN_VACCINE_SYSTEM = "https://yoshin.example/fhir/vaccine"
"""Our own code system for a vaccine without a CVX code: the code is the ledger's name."""
TICKET_SYSTEM = "https://yoshin.example/fhir/ticket-number"


class ClinicForm(BaseModel):
    """A 予診票 filled in at the clinic, as our own JSON."""

    model_config = ConfigDict(extra="forbid")

    ticket_number: str | None = Field(default=None, pattern=r"^\d{10}$")
    municipality_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    name: str = Field(min_length=1, max_length=128)
    name_kana: str = Field(min_length=1, max_length=128)
    birth_date: date
    sex: Literal["M", "F"]
    address: str = Field(default="", max_length=256)
    body_temperature: str = Field(default="", pattern=r"^(\d{3})?$",
                                  description="tenths of a degree, e.g. 365")
    answers: dict[QuestionKey, Literal["yes", "no", ""]] = {}
    consent: bool
    doctor_decision: Literal["ok", "defer"]
    doctor_name: str = Field(min_length=1, max_length=64)
    vaccine: str = Field(description="pfizer, moderna, daiichi or influenza")
    dose_number: int | None = Field(default=None, ge=1, le=9)
    vaccination_date: date | None = None
    lot_number: str = Field(default="", max_length=32)
    dose_ml: str = Field(default="", max_length=8)

    def values(self, clinic_code: str, clinic_name: str) -> dict[str, str]:
        given = self.doctor_decision == "ok"
        values: dict[str, str] = {
            "ticket_number": self.ticket_number or "",
            "municipality_code": self.municipality_code or "",
            "name_kana": self.name_kana, "name": self.name,
            "birth_date": self.birth_date.isoformat(), "sex": self.sex, "address": self.address,
            "body_temperature": self.body_temperature,
            **{key: self.answers.get(key, "") for key in QUESTION_KEYS},
            "consent": "true" if self.consent else "", "signature": "true",
            "doctor_decision": self.doctor_decision, "doctor_name": self.doctor_name,
            "vaccine": self.vaccine if given else "", "lot_number": self.lot_number,
            "dose_ml": self.dose_ml,
            "dose_number": str(self.dose_number) if self.dose_number else "",
            "place": clinic_name if given else "", "clinic_code": clinic_code if given else "",
            "vaccination_date": self.vaccination_date.isoformat()
            if self.vaccination_date else "",
            "vaccinator_name": self.doctor_name if given else "",
        }
        for key in ("ticket_number", "municipality_code", "body_temperature", "dose_ml"):
            if not values[key]:
                del values[key]  # not sent, rather than left blank on the form
        return values


class Coding(BaseModel):
    system: str = ""
    code: str = ""


class CodeableConcept(BaseModel):
    coding: list[Coding] = []


class Identifier(BaseModel):
    system: str = ""
    value: str = ""


class Extension(BaseModel):
    url: str = ""
    valueCode: str = ""  # noqa: N815 - FHIR's name


class HumanName(BaseModel):
    extension: list[Extension] = []
    text: str = ""
    family: str = ""
    given: list[str] = []

    @property
    def full(self) -> str:
        return self.text or " ".join([self.family, *self.given]).strip()

    @property
    def kana(self) -> bool:
        """JP Core marks the reading with the ISO 21090 representation SYL (IDE: kanji)."""
        return any(e.valueCode == "SYL" for e in self.extension)


class Address(BaseModel):
    text: str = ""


class Patient(BaseModel):
    resourceType: Literal["Patient"]  # noqa: N815
    id: str = ""
    identifier: list[Identifier] = []
    name: list[HumanName] = Field(min_length=1)
    birthDate: date  # noqa: N815
    gender: Literal["male", "female"]
    address: list[Address] = []


class Reference(BaseModel):
    reference: str = ""
    display: str = ""


class Performer(BaseModel):
    actor: Reference


class Quantity(BaseModel):
    value: float = Field(gt=0)
    unit: str = "mL"


class ProtocolApplied(BaseModel):
    doseNumberPositiveInt: int | None = Field(default=None, ge=1)  # noqa: N815


class Immunization(BaseModel):
    """The part of a FHIR R4 Immunization (with its Patient contained) a clinic must send."""

    resourceType: Literal["Immunization"]  # noqa: N815
    status: Literal["completed", "not-done"]
    vaccineCode: CodeableConcept  # noqa: N815
    patient: Reference
    contained: list[Patient] = Field(min_length=1)
    occurrenceDateTime: str  # noqa: N815
    lotNumber: str = ""  # noqa: N815
    doseQuantity: Quantity | None = None  # noqa: N815
    performer: list[Performer] = Field(min_length=1)
    protocolApplied: list[ProtocolApplied] = []  # noqa: N815

    def vaccine(self) -> str:
        for coding in self.vaccineCode.coding:
            if coding.system == "http://hl7.org/fhir/sid/cvx" and coding.code in BY_CVX:
                return BY_CVX[coding.code]
            if coding.system == YOSHIN_VACCINE_SYSTEM:
                return coding.code
        return ""

    def form(self) -> ClinicForm:
        """As our own form: what the clinic's system could have sent as JSON."""
        patient = next((p for p in self.contained if f"#{p.id}" == self.patient.reference),
                       self.contained[0])
        kana = next((n for n in patient.name if n.kana), None)
        kanji = next((n for n in patient.name if not n.kana), patient.name[0])
        ticket = next((i.value for i in patient.identifier if i.system == TICKET_SYSTEM), None)
        dose = self.protocolApplied[0].doseNumberPositiveInt if self.protocolApplied else None
        return ClinicForm(
            ticket_number=ticket, name=kanji.full, name_kana=kana.full if kana else kanji.full,
            birth_date=patient.birthDate, sex="M" if patient.gender == "male" else "F",
            address=patient.address[0].text if patient.address else "", consent=True,
            doctor_decision="ok" if self.status == "completed" else "defer",
            doctor_name=self.performer[0].actor.display or "", vaccine=self.vaccine(),
            dose_number=dose, vaccination_date=date.fromisoformat(self.occurrenceDateTime[:10]),
            lot_number=self.lotNumber,
            dose_ml=f"{self.doseQuantity.value:g}" if self.doseQuantity else "")
