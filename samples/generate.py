"""Generates a set of synthetic scanned forms with ground truth and what the city knows.

`python -m samples.generate OUT_DIR --count 20 --seed 1 --quality office --form mixed` writes
a set to OUT_DIR: page images with truth JSON beside them, batch.pdf, batch.tif,
residents.csv, tickets.csv, lots.csv and clinics.csv.

A page's truth JSON holds "form", "fields" (what the reader should read), "scan" (how the
page was scanned or photographed), "serial" on a personal form (one a notice run printed for
its holder: identity printed, a serial in its QR; notices.csv ties the serials to people)
and "style": the writers' hands, pens and mark habits,
each unusual mark and correction, and the damage done to the paper, so that figures can be
broken down by them. Seeds in `samples.sets.RESERVED_SEEDS` are for measuring only.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import random
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import cv2
import numpy as np
from pdf2image import convert_from_path
from PIL import Image, TiffImagePlugin
from pypdf import PdfReader, PdfWriter

from ocr.fieldmap import FormSpec, load_forms
from samples.answers import (
    ROUTINE,
    Ticket,
    covid19_values,
    influenza_values,
    issue_ticket,
    routine_values,
)
from samples.blank_form import FORMS_DIR
from samples.clinics import CLINIC_ROWS, Clinic
from samples.damage import damage_page
from samples.filler import fill_page
from samples.lots import LOTS, Lot
from samples.people import Resident, make_residents
from samples.scanner import QUALITIES, draw_params, encode, scan, shifted_off_edge
from samples.vaccines import VACCINES

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Row = TypeVar("Row", bound="DataclassInstance")
"""A row of a generated CSV file: an instance of one of the dataclasses written."""

DPI = 300
FORMS = ("covid19", "influenza", "child", "elderly")
MIXED_INFLUENZA_SHARE = 0.2
AGES = {"covid19": (5, 95), "influenza": (65, 100), "child": (0, 14), "elderly": (64, 66)}
"""Ages of the form holders; a routine form's holder is then born to fit the dose."""
ALL_CYCLE: tuple[tuple[str, str | None], ...] = (
    *(("child", vaccine) for vaccine in ROUTINE["child"]),
    *(("elderly", vaccine) for vaccine in ROUTINE["elderly"]),
    ("covid19", None), ("influenza", None))
"""The "all" set's pages in turn: every routine product of the children's and the elderly's
forms, then a COVID-19 and an influenza form (the demo's eight pages show each once)."""
OTHERS_PER_FORM = 3
TICKETED_OTHERS = 0.6
"""Share of register residents on no form who hold an (unused) ticket."""
PAGE_GLOB = "page-*.json"
PERSONAL_SEED = 0x5E71A1
"""Which pages are personal forms, and their serials, are drawn apart from the rest of the
set, so a seed with no personal share gives the very set it gave before personal forms
existed (the pages after a personal one differ: its identity is printed, not written)."""
SERIAL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
CONTAINER_JPEG_QUALITY = 60
"""batch.tif is for ingest tests, not for measuring the reader: kept small (batch.pdf uses
Pillow's JPEG default, 75, as Pillow passes one quality to its G4 frames too)."""


PersonalPrint = Callable[[FormSpec, Resident, str, int], tuple[Image.Image, frozenset[str]]]
"""Prints a person's form with their identity, serial and dose, as a grayscale page at DPI,
and says which fields it printed. The product's notice printer does it; the generator may
import only ocr, so its caller passes the printer in (see yoshin.personal_print)."""


@dataclass(frozen=True)
class NoticeRow:
    """One personal form handed out (notices.csv): its serial and whom and what it is for."""

    serial: str
    atena_number: str
    programme: str
    dose: int
    form_id: str


@dataclass(frozen=True)
class GeneratedSet:
    """Where the parts of a generated set were written."""

    directory: Path
    pages: tuple[Path, ...]
    batch_pdf: Path
    batch_tiff: Path
    residents_csv: Path
    tickets_csv: Path
    lots_csv: Path
    clinics_csv: Path


@cache
def _blank_raster(form_id: str) -> Image.Image:
    """The blank form rasterised once per process; every page is filled on a copy."""
    pdf = FORMS_DIR / f"{form_id}.pdf"
    return convert_from_path(str(pdf), dpi=DPI, grayscale=True)[0].convert("L")


def _write_csv(path: Path, rows: Sequence[Row], row_type: type[Row]) -> None:
    names = [field.name for field in dataclasses.fields(row_type)]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=names)
        writer.writeheader()
        writer.writerows(dataclasses.asdict(row) for row in rows)


def _container_image(page: Path) -> Image.Image:
    """The page as a container frame: fax pages as 1-bit, so that they are stored as G4."""
    image = Image.open(page)
    colours = image.getcolors(2) if page.suffix == ".png" else None
    return image.convert("1") if colours is not None else image


def _write_batches(directory: Path, pages: list[Path]) -> None:
    """batch.pdf and batch.tif holding every page in order, the way a scanner packs them:
    gray pages as JPEG, fax pages as CCITT G4.
    Pages are decoded one at a time, so a set of any size packs in the memory of one page."""
    pdf, tiff = directory / "batch.pdf", directory / "batch.tif"
    bundle = PdfWriter()
    with TiffImagePlugin.AppendingTiffWriter(str(tiff), new=True) as stream:
        for page in pages:
            image = _container_image(page)
            single = io.BytesIO()
            image.save(single, format="PDF", resolution=DPI)
            bundle.append(PdfReader(single))
            dpi = image.info.get("dpi", (DPI, DPI))
            if image.mode == "1":
                image.save(stream, format="TIFF", compression="group4", dpi=dpi)
            else:
                image.save(stream, format="TIFF", compression="jpeg",
                           quality=CONTAINER_JPEG_QUALITY, dpi=dpi)
            stream.newFrame()
    with pdf.open("wb") as handle:
        bundle.write(handle)


def _render(spec: FormSpec, values: dict[str, str], quality: str, rng: random.Random,
            noise: np.random.Generator,
            personal: tuple[Image.Image, frozenset[str]] | None = None) -> tuple[str, bytes, dict]:
    """One page's file and truth. People and paper draw from `rng`, the scanner from
    `noise`: one seed at two qualities gives the same writing and damage, scanned apart.
    `personal` is a personal form's printed page and the fields printed on it."""
    blank, printed = personal or (_blank_raster(spec.form_id), frozenset())
    filled, style = fill_page(blank, spec, values, rng, DPI, printed)
    page, damage = damage_page(filled, spec, values, rng, DPI)
    params = draw_params(noise, quality)
    if damage.shift_to is not None:
        params = shifted_off_edge(params, damage.shift_to, noise)
    suffix, data = encode(scan(page, params, noise, DPI, damage.sheet), params)
    truth = {"form": spec.form_id, "fields": {key: values[key] for key in spec.output_keys},
             "scan": dataclasses.asdict(params), "style": {**style, "damage": damage.events}}
    return suffix, data, truth


def _programme(form_id: str, values: dict[str, str]) -> str | None:
    """The programme a personal form was printed for: its vaccine's, or the form's own."""
    vaccine = VACCINES.get(values.get("vaccine", ""))
    return vaccine.disease if vaccine else {"covid19": "covid19",
                                            "influenza": "influenza"}.get(form_id)


class SetFolderInUse(FileExistsError):
    """The folder asked for already holds files, which a new set would mix with: a set of
    500 pages written over one of 20 would be read as a set of 500 with 20 pages' truth
    from another seed."""


def write_set(out_dir: Path, qualities: Sequence[str], seed: int, form: str = "covid19",
              residents: int | None = None, personal_share: float = 0.0,
              printer: PersonalPrint | None = None) -> GeneratedSet:
    """One page per entry of `qualities` (clean, office, poor or photo), of `form` (covid19,
    influenza, child, elderly, mixed or all), with everything `generate_set` describes;
    `personal_share` of them personal forms printed by `printer`.

    The set is written into a hidden folder beside `out_dir` and moved into place whole, so
    that a run stopped halfway leaves no pages that look like a set without the register
    the city knows: `yoshin eval` of such a folder found no resident for any page.
    SetFolderInUse when `out_dir` holds anything."""
    if form not in (*FORMS, "mixed", "all") or not set(qualities) <= set(QUALITIES):
        raise ValueError(f"unknown form {form!r} or quality in {sorted(set(qualities))}")
    if personal_share and printer is None:
        raise ValueError("personal forms need a printer (yoshin samples generate --personal)")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise SetFolderInUse(f"{out_dir} is not empty: a new set would mix with what is there;"
                             " remove it or choose another folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial",
                                    dir=out_dir.parent))
    try:
        names = _write_pages(staging, qualities, seed, form, residents, personal_share,
                             printer)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out_dir.exists():
        out_dir.rmdir()
    staging.replace(out_dir)
    return GeneratedSet(out_dir, tuple(out_dir / name for name in names),
                        out_dir / "batch.pdf", out_dir / "batch.tif", out_dir / "residents.csv",
                        out_dir / "tickets.csv", out_dir / "lots.csv", out_dir / "clinics.csv")


def _write_pages(out_dir: Path, qualities: Sequence[str], seed: int, form: str,
                 residents: int | None, personal_share: float, printer: PersonalPrint | None
                 ) -> list[str]:
    """Everything of the set written into `out_dir`; the pages' file names in order."""
    chooser = random.Random(seed ^ PERSONAL_SEED)
    handed_out: list[NoticeRow] = []
    specs = load_forms(FORMS_DIR)
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    count = len(qualities)
    plan = [ALL_CYCLE[index % len(ALL_CYCLE)] if form == "all" else
            ("influenza" if rng.random() < MIXED_INFLUENZA_SHARE else "covid19", None)
            if form == "mixed" else (form, None) for index in range(count)]
    form_ids = [form_id for form_id, _ in plan]
    others = OTHERS_PER_FORM * count if residents is None else residents
    taken: set[str] = set()
    people = make_residents(rng, [AGES[form_id] for form_id in form_ids], others, taken)
    tickets: list[Ticket] = []
    pages: list[Path] = []
    for index, ((form_id, vaccine), quality) in enumerate(zip(plan, qualities, strict=True)):
        person = people[index]
        if form_id == "covid19":
            tickets.append(issue_ticket(rng, person, taken))
            values = covid19_values(rng, person, tickets[-1])
        elif form_id == "influenza":
            values = influenza_values(rng, person)
        else:
            people[index], values = routine_values(rng, person, form_id, vaccine)
        programme = _programme(form_id, values)
        personal = None
        if printer is not None and programme and chooser.random() < personal_share:
            serial = "".join(chooser.choice(SERIAL_ALPHABET) for _ in range(16))
            dose = int(values.get("dose_number") or 1)
            personal = printer(specs[form_id], people[index], serial, dose)
            handed_out.append(NoticeRow(serial, people[index].atena_number, programme, dose,
                                        form_id))
            if "dose_number" in values and "dose_number" in personal[1]:
                # the paper shows the dose it was sent for, a deferral's too
                values = {**values, "dose_number": str(dose)}
        suffix, data, truth = _render(specs[form_id], values, quality, rng, noise, personal)
        if personal is not None:
            truth["serial"] = handed_out[-1].serial
        path = out_dir / f"page-{index + 1:04d}{suffix}"
        path.write_bytes(data)
        path.with_suffix(".json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                             encoding="utf-8")
        pages.append(path)
    tickets += [issue_ticket(rng, person, taken) for person in people[count:]
                if person.address.startswith("千葉県松戸市") and rng.random() < TICKETED_OTHERS]
    register: list[Resident] = list(people)
    rng.shuffle(register)
    _write_csv(out_dir / "residents.csv", register, Resident)
    _write_csv(out_dir / "tickets.csv", sorted(tickets, key=lambda t: t.ticket_number), Ticket)
    _write_csv(out_dir / "lots.csv", LOTS, Lot)
    write_clinics(out_dir)
    if handed_out:
        _write_csv(out_dir / "notices.csv", handed_out, NoticeRow)
    _write_batches(out_dir, pages)
    return [page.name for page in pages]


def write_clinics(out_dir: Path) -> None:
    """clinics.csv, the same for every set: the city's list does not depend on the forms."""
    _write_csv(out_dir / "clinics.csv", CLINIC_ROWS, Clinic)


def generate_set(out_dir: Path, count: int, seed: int, quality: str = "office",
                 form: str = "covid19", residents: int | None = None,
                 personal_share: float = 0.0, printer: PersonalPrint | None = None
                 ) -> GeneratedSet:
    """Write `count` scanned pages of `quality` with truth JSON, batch.pdf, batch.tif,
    residents.csv, tickets.csv, lots.csv and clinics.csv.

    The same seed gives the same files (batch.pdf aside, which carries its creation date).
    Each page belongs to a different resident; `residents` is how many further register
    entries are on no form (default 3 per page). `form` "mixed" picks covid19 or influenza
    for each page; "all" takes every routine product of the children's and elderly forms in
    turn, then a covid19 and an influenza form (ALL_CYCLE). `personal_share` of the pages
    are personal forms (printed by `printer`; notices.csv lists their serials).
    """
    return write_set(out_dir, [quality] * count, seed, form, residents, personal_share,
                     printer)


def load_truth(directory: Path) -> list[tuple[Path, dict]]:
    """Each page image of a set (PNG or JPEG) with its truth JSON, in page order."""
    pages = []
    for truth in sorted(directory.glob(PAGE_GLOB)):
        image = next(path for path in (truth.with_suffix(".png"), truth.with_suffix(".jpg"))
                     if path.exists())
        pages.append((image, json.loads(truth.read_text(encoding="utf-8"))))
    return pages


def read_image(path: Path) -> np.ndarray:
    """A page image of a set as grayscale, the way the reader is fed; ValueError when the
    file cannot be read as an image (OpenCV would return None)."""
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ValueError(f"{path}: not a readable image")
    return image


def main() -> None:
    """Command line entry: write one set."""
    parser = argparse.ArgumentParser(description="Generate synthetic scanned 予診票 pages.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quality", choices=sorted(QUALITIES), default="office")
    parser.add_argument("--form", choices=[*FORMS, "mixed", "all"], default="covid19")
    parser.add_argument("--residents", type=int, default=None)
    args = parser.parse_args()
    generate_set(args.out_dir, args.count, args.seed, args.quality, args.form, args.residents)


if __name__ == "__main__":
    main()
