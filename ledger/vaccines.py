"""The vaccines the ledger knows, as a certificate names them for people and for machines.

CVX is the CDC code system the SMART Health Cards verifiers understand. 第一三共's vaccine has
no code of its own there, so its doses carry 213 (SARS-COV-2 vaccine, unspecified formulation),
and the routine influenza vaccine (HA, quadrivalent) carries 88 (influenza, unspecified).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Lot


@dataclass(frozen=True)
class Vaccine:
    name_ja: str
    name_en: str
    product: str
    manufacturer_ja: str
    manufacturer_en: str
    cvx: str


CATALOG: dict[str, Vaccine] = {
    "pfizer": Vaccine("新型コロナウイルスワクチン", "COVID-19 vaccine (mRNA)", "Comirnaty",
                      "ファイザー株式会社", "Pfizer/BioNTech", "208"),
    "moderna": Vaccine("新型コロナウイルスワクチン", "COVID-19 vaccine (mRNA)", "Spikevax",
                       "モデルナ・ジャパン株式会社", "Moderna", "207"),
    "daiichi": Vaccine("新型コロナウイルスワクチン", "COVID-19 vaccine (mRNA)", "Daichirona",
                       "第一三共株式会社", "Daiichi Sankyo", "213"),
    "influenza": Vaccine("インフルエンザHAワクチン", "Influenza vaccine (HA)", "Influenza HA",
                         "", "", "88"),
}
"""Influenza is made by several companies: its manufacturer comes from the lot master."""


def vaccine(name: str) -> Vaccine:
    """The catalog entry of a ledger vaccine name; an unknown name is a programming error."""
    return CATALOG[name]


def manufacturer_ja(session: Session, name: str, lot_number: str) -> str:
    """Who made the dose: the lot master knows for every lot it holds (several companies make
    influenza vaccine); otherwise the catalog's maker of the vaccine."""
    lot = session.scalar(select(Lot).where(Lot.lot_number == lot_number))
    return lot.manufacturer if lot is not None and lot.manufacturer else \
        vaccine(name).manufacturer_ja
