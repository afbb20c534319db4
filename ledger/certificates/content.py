"""What a vaccination certificate (接種証明書) says, as plain values.

The PDF, the SMART Health Card and the issuance record are all made from this one value, so
the printed text and the signed QR can never disagree about a dose.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class DoseLine:
    """One dose as printed and signed."""

    dose_number: int
    vaccinated_on: date
    vaccine: str
    """The ledger's vaccine name (pfizer, moderna, daiichi, influenza)."""
    vaccine_ja: str
    vaccine_en: str
    product: str
    """The product's name as sold (コミナティ / Comirnaty…), Latin letters."""
    manufacturer_ja: str
    manufacturer_en: str
    cvx: str
    lot_number: str
    place_ja: str
    """Where the dose was given: the clinic's name, or the municipality it was given in."""
    place_en: str


@dataclass(frozen=True)
class CertificateContent:
    certificate_id: str
    issued_on: date
    issuer_ja: str
    issuer_en: str
    name: str
    """Name in kanji as in the register, family and given separated by a space."""
    family_name_romaji: str
    given_name_romaji: str
    birth_date: date
    passport_number: str | None
    nationality: str | None
    doses: tuple[DoseLine, ...]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready values for the issuance record (dates as ISO strings)."""
        data = asdict(self)
        data["issued_on"] = self.issued_on.isoformat()
        data["birth_date"] = self.birth_date.isoformat()
        data["doses"] = [{**d, "vaccinated_on": d["vaccinated_on"].isoformat()}
                         for d in data["doses"]]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CertificateContent:
        doses = tuple(DoseLine(**{**d, "vaccinated_on": date.fromisoformat(d["vaccinated_on"])})
                      for d in data["doses"])
        return cls(**{**data, "issued_on": date.fromisoformat(data["issued_on"]),
                      "birth_date": date.fromisoformat(data["birth_date"]), "doses": doses})
