"""The vaccines the ledger knows, as a certificate names them for people and for machines.

The one catalogue is the data file vaccines.json beside this module; this module is the
ledger's typed view of it. It is data, not code, because two rooms need the list and no
module can serve both: the ledger may import only models, and the sample generator may
import only ocr, so the generator reads the same file with its own small loader
(samples/vaccines.py) instead of keeping its own list. The file lives with the ledger because
the ledger owns these facts (what it accepts, what a certificate prints); the generator only
writes forms the ledger will accept. tests/unit/test_vaccine_catalogue.py holds both views and the
printed forms' vaccine options to the file.

CVX is the CDC code system the SMART Health Cards verifiers understand. 第一三共's vaccine has
no code of its own there, so its doses carry 213 (SARS-COV-2 vaccine, unspecified formulation),
and the routine influenza vaccine (HA, quadrivalent) carries 88 (influenza, unspecified).
Influenza is made by several companies: its manufacturer comes from the lot master.

first_given is the first day a vaccine was given in Japan (the file cites each): a form dated
before it is misread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Lot

CATALOGUE_FILE = Path(__file__).with_name("vaccines.json")
ROUTES = ("SC", "IM", "ID", "oral", "percutaneous")


@dataclass(frozen=True)
class Vaccine:
    name_ja: str
    name_en: str
    product: str
    manufacturer_ja: str
    manufacturer_en: str
    cvx: str
    """The CVX code its certificates and exports name it by."""
    cvx_in: tuple[str, ...]
    """The CVX codes a clinic's digital form may name it by: its own and the variants of the
    same vaccine (influenza's presentations); none for a product CVX names only as an
    unspecified formulation (daiichi's 213 could be any COVID-19 vaccine)."""
    disease: str
    """Doses of one disease follow each other whatever the product (a Spikevax dose may
    follow a Comirnaty one), so a dose's date is held against the earlier doses of it."""
    first_given: date
    """The first day the vaccine was given in Japan: a form dated before it is misread."""
    label_ja: str
    """The short name the screens and the covid19 form print (ファイザー, インフルエンザHA…)."""
    seasonal: bool
    """Given once a season: its dose is the season (年度), not a count."""
    dose_ml: str
    """The adult dose as written on a form."""
    live: bool = False
    """A live vaccine: injected ones keep 27 days from another injected live vaccine."""
    route: str = "IM"
    """SC, IM, ID, oral or percutaneous (経口・経皮 live vaccines keep no interval)."""
    class_: str = "B"
    """A類 (children, HPV; the city pays) or B類 (the elderly; a fee may be collected)."""
    fee: str = "実費徴収"
    """実費徴収区分 of a dose: 公費 or 実費徴収."""
    antigens: int = 1
    """混合接種何種: how many diseases one dose protects against (五種混合 5, MR 2)."""
    volumes: tuple[Volume, ...] = ()
    """The dose by age, youngest first; empty where the volume is not checked (COVID-19's
    formulations changed by age and season)."""


@dataclass(frozen=True)
class Volume:
    ml: str
    under_years: int | None = None
    """The volume holds up to the day this age is reached; None for every age after."""


def _vaccine(entry: dict[str, Any]) -> Vaccine:
    """One entry of the file, every field checked for its type so a slip fails at import."""
    text = {key: entry[key] for key in ("name_ja", "name_en", "product", "manufacturer_ja",
                                        "manufacturer_en", "cvx", "disease", "label_ja",
                                        "dose_ml")}
    if not all(isinstance(value, str) for value in text.values()):
        raise ValueError(f"vaccines.json: text expected in {entry}")
    cvx_in = entry["cvx_in"]
    if not (isinstance(cvx_in, list) and all(isinstance(code, str) for code in cvx_in)):
        raise ValueError(f"vaccines.json: cvx_in is a list of codes: {entry}")
    seasonal = entry["seasonal"]
    if not isinstance(seasonal, bool):
        raise ValueError(f"vaccines.json: seasonal is true or false: {entry}")
    if not (isinstance(entry["live"], bool) and entry["route"] in ROUTES
            and isinstance(entry["antigens"], int) and entry["antigens"] >= 1
            and entry["class"] in ("A", "B") and entry["fee"] in ("公費", "実費徴収")):
        raise ValueError(f"vaccines.json: live, route, class or fee is not one of theirs: {entry}")
    listed = entry["volumes"]
    if not (isinstance(listed, list) and all(
            isinstance(v, dict) and isinstance(v.get("ml"), str)
            and isinstance(v.get("under_years", 0), int) for v in listed)):
        raise ValueError(f"vaccines.json: volumes are [{{ml, under_years}}…]: {entry}")
    volumes = tuple(Volume(volume["ml"], volume.get("under_years")) for volume in listed)
    return Vaccine(**text, cvx_in=tuple(cvx_in),
                   first_given=date.fromisoformat(entry["first_given"]), seasonal=seasonal,
                   live=entry["live"], route=entry["route"], class_=entry["class"],
                   fee=entry["fee"], antigens=entry["antigens"], volumes=volumes)


def read_entries(path: Path = CATALOGUE_FILE) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return entries


def catalogue_of(entries: dict[str, dict[str, Any]]) -> dict[str, Vaccine]:
    """The catalogue of entries in their order (the order lists and error messages give);
    ValueError naming the first slip."""
    return {name: _vaccine(entry) for name, entry in entries.items()}


def load_catalogue(path: Path = CATALOGUE_FILE) -> dict[str, Vaccine]:
    return catalogue_of(read_entries(path))


CATALOG: dict[str, Vaccine] = load_catalogue()
"""The products this process knows: the shipped file's, and once the process has read the
database (ledger.schedule.master_store.load_into_process), those an administrator added."""
LABELS: dict[str, str] = {}
"""Ledger vaccine name → the short name people read (ledger.checks.validation.VACCINES)."""
SEASONAL: set[str] = set()
"""Vaccines given once a season: their dose is the season (年度), not a count."""
BY_CVX: dict[str, str] = {}
"""CVX code a clinic's form may send → the ledger's vaccine name."""


def install(catalogue: dict[str, Vaccine]) -> None:
    """Make `catalogue` the process's, in place: the lists above are imported by name
    across the ledger, so they are changed, never rebound."""
    CATALOG.clear()
    CATALOG.update(catalogue)
    LABELS.clear()
    LABELS.update({name: known.label_ja for name, known in catalogue.items()})
    SEASONAL.clear()
    SEASONAL.update(name for name, known in catalogue.items() if known.seasonal)
    BY_CVX.clear()
    BY_CVX.update({code: name for name, known in catalogue.items() for code in known.cvx_in})


install(dict(CATALOG))


def vaccine(name: str) -> Vaccine:
    """The catalog entry of a ledger vaccine name; an unknown name is a programming error."""
    return CATALOG[name]


def manufacturer_ja(session: Session, name: str, lot_number: str) -> str:
    """Who made the dose: the lot master knows for every lot it holds (several companies make
    influenza vaccine); otherwise the catalog's maker of the vaccine."""
    lot = session.scalar(select(Lot).where(Lot.lot_number == lot_number))
    return lot.manufacturer if lot is not None and lot.manufacturer else \
        vaccine(name).manufacturer_ja
