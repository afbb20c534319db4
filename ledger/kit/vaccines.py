"""The vaccines the ledger knows, as a certificate names them for people and for machines.

CVX is the CDC code system the SMART Health Cards verifiers understand. 第一三共's vaccine has
no code of its own there, so its doses carry 213 (SARS-COV-2 vaccine, unspecified formulation),
and the routine influenza vaccine (HA, quadrivalent) carries 88 (influenza, unspecified).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
    disease: str
    """Doses of one disease follow each other whatever the product (a Spikevax dose may
    follow a Comirnaty one), so a dose's date is held against the earlier doses of it."""
    first_given: date
    """The first day the vaccine was given in Japan: a form dated before it is misread."""


CATALOG: dict[str, Vaccine] = {
    "pfizer": Vaccine("新型コロナウイルスワクチン", "COVID-19 vaccine (mRNA)", "Comirnaty",
                      "ファイザー株式会社", "Pfizer/BioNTech", "208", "covid19",
                      date(2021, 2, 17)),
    "moderna": Vaccine("新型コロナウイルスワクチン", "COVID-19 vaccine (mRNA)", "Spikevax",
                       "モデルナ・ジャパン株式会社", "Moderna", "207", "covid19",
                       date(2021, 5, 24)),
    "daiichi": Vaccine("新型コロナウイルスワクチン", "COVID-19 vaccine (mRNA)", "Daichirona",
                       "第一三共株式会社", "Daiichi Sankyo", "213", "covid19",
                       date(2023, 12, 4)),
    "influenza": Vaccine("インフルエンザHAワクチン", "Influenza vaccine (HA)", "Influenza HA",
                         "", "", "88", "influenza", date(2001, 11, 7)),
}
"""Influenza is made by several companies: its manufacturer comes from the lot master.

First days given: Comirnaty 2021-02-17 (the health workers' priority vaccination, 厚生労働省
「新型コロナワクチンの接種について」), Spikevax 2021-05-24 (the state's mass vaccination centres),
Daichirona 2023-12-04 (the first deliveries of the XBB.1.5 product to municipalities), the
influenza vaccine as a routine vaccination of the elderly 2001-11-07 (予防接種法 as amended by
法律第116号, 2001)."""


def vaccine(name: str) -> Vaccine:
    """The catalog entry of a ledger vaccine name; an unknown name is a programming error."""
    return CATALOG[name]


def manufacturer_ja(session: Session, name: str, lot_number: str) -> str:
    """Who made the dose: the lot master knows for every lot it holds (several companies make
    influenza vaccine); otherwise the catalog's maker of the vaccine."""
    lot = session.scalar(select(Lot).where(Lot.lot_number == lot_number))
    return lot.manufacturer if lot is not None and lot.manufacturer else \
        vaccine(name).manufacturer_ja
