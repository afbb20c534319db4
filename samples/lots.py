"""The lot master: lot numbers in the style printed on real vials (not real lots)."""

from __future__ import annotations

from dataclasses import dataclass

from samples.vaccines import VACCINES


@dataclass(frozen=True)
class Lot:
    """One row of lots.csv."""

    lot_number: str
    vaccine: str
    manufacturer: str


MANUFACTURERS = {name: known.manufacturer_ja for name, known in VACCINES.items()
                 if known.manufacturer_ja}
"""Makers of the vaccines one company makes (the catalogue's); influenza lots name their own."""
LOTS = (
    *(Lot(n, "pfizer", MANUFACTURERS["pfizer"]) for n in ("FF5357", "FH0151", "FJ5929", "EY0779",
                                                          "GH9693", "HD5912")),
    *(Lot(n, "moderna", MANUFACTURERS["moderna"]) for n in ("3003412", "3005236", "000091A",
                                                            "AS1028A")),
    *(Lot(n, "daiichi", MANUFACTURERS["daiichi"]) for n in ("TD0001", "TD0013", "TD0020")),
    Lot("HK55A", "influenza", "KMバイオロジクス株式会社"),
    Lot("HK61B", "influenza", "KMバイオロジクス株式会社"),
    Lot("L127A", "influenza", "一般財団法人阪大微生物病研究会"),
    Lot("L133C", "influenza", "一般財団法人阪大微生物病研究会"),
    Lot("FH023C", "influenza", "デンカ株式会社"),
    Lot("PM214", "influenza", "第一三共バイオテック株式会社"),
    Lot("GB001A", "dpt_ipv_hib", "一般財団法人阪大微生物病研究会"),
    Lot("QV102", "dpt_ipv_hib", "KMバイオロジクス株式会社"),
    *(Lot(n, "pcv20", MANUFACTURERS["pcv20"]) for n in ("PV2001", "PV2037")),
    Lot("MR245A", "mr", "一般財団法人阪大微生物病研究会"),
    Lot("MRK311", "mr", "KMバイオロジクス株式会社"),
    *(Lot(n, "hpv9", MANUFACTURERS["hpv9"]) for n in ("S9A123", "S9B077")),
    *(Lot(n, "ppsv23", MANUFACTURERS["ppsv23"]) for n in ("PN2301", "PN2318")),
    *(Lot(n, "zoster_rzv", MANUFACTURERS["zoster_rzv"]) for n in ("SX0412", "SX0419")),
)


def lots_of(vaccine: str) -> list[str]:
    """The lot numbers of one vaccine, in master order."""
    return [lot.lot_number for lot in LOTS if lot.vaccine == vaccine]
