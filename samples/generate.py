"""Generates a set of synthetic scanned forms with ground truth, a register extract and lots.

`python -m samples.generate OUT_DIR --count 20 --seed 1` writes a set to OUT_DIR.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from pdf2image import convert_from_path
from PIL import Image

from ocr.fieldmap import FormSpec, load_forms
from samples.answers import LOTS, form_values
from samples.blank_form import FORMS_DIR
from samples.filler import fill_page
from samples.people import Resident, make_residents
from samples.scanner import draw_params, scan

FORM_ID = "covid19"
DPI = 300
UPSIDE_DOWN_EVERY = 10
"""Every tenth page (the 4th, 14th, ...) is fed upside down."""
OTHERS_PER_FORM = 3
PNG_COMPRESSION = 3


@dataclass(frozen=True)
class GeneratedSet:
    """Where the parts of a generated set were written."""

    directory: Path
    pages: tuple[Path, ...]
    batch_pdf: Path
    residents_csv: Path
    lots_csv: Path


@cache
def _blank_raster(pdf: Path, dpi: int) -> Image.Image:
    """The blank form rasterised once per process; every page is filled on a copy."""
    return convert_from_path(str(pdf), dpi=dpi, grayscale=True)[0].convert("L")


def _write_residents(path: Path, residents: list[Resident]) -> None:
    names = [field.name for field in dataclasses.fields(Resident)]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=names)
        writer.writeheader()
        writer.writerows(dataclasses.asdict(resident) for resident in residents)


def _write_lots(path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["lot_number", "vaccine"])
        for vaccine, lots in sorted(LOTS.items()):
            writer.writerows([lot, vaccine] for lot in lots)


def _render_page(spec: FormSpec, values: dict[str, str], index: int, rng: random.Random,
                 noise: np.random.Generator) -> tuple[np.ndarray, dict]:
    """The scanned page and its truth; `scan` in the truth records skew, shift and flip."""
    blank = _blank_raster(FORMS_DIR / f"{spec.form_id}.pdf", DPI)
    filled = np.asarray(fill_page(blank, spec, values, rng, DPI))
    params = draw_params(noise, upside_down=index % UPSIDE_DOWN_EVERY == 3)
    truth = {"form": spec.form_id, "fields": values, "scan": dataclasses.asdict(params)}
    return scan(filled, params, noise, DPI), truth


def generate_set(out_dir: Path, count: int, seed: int, residents: int | None = None
                 ) -> GeneratedSet:
    """Write `count` scanned pages with truth JSON, batch.pdf, residents.csv and lots.csv.

    The same seed gives the same files. Each page belongs to a different resident;
    `residents` is how many further register entries are on no form (default 3 per page).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    spec = load_forms(FORMS_DIR)[FORM_ID]
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    others = OTHERS_PER_FORM * count if residents is None else residents
    people = make_residents(rng, count, others)
    pages: list[Path] = []
    images: list[Image.Image] = []
    for index, person in enumerate(people[:count]):
        image, truth = _render_page(spec, form_values(rng, person), index, rng, noise)
        path = out_dir / f"page-{index + 1:04d}.png"
        cv2.imwrite(str(path), image, [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION])
        path.with_suffix(".json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                             encoding="utf-8")
        pages.append(path)
        images.append(Image.fromarray(image))
    batch = out_dir / "batch.pdf"
    if images:
        images[0].save(batch, save_all=True, append_images=images[1:], resolution=DPI)
    register = list(people)
    rng.shuffle(register)
    _write_residents(out_dir / "residents.csv", register)
    _write_lots(out_dir / "lots.csv")
    return GeneratedSet(out_dir, tuple(pages), batch, out_dir / "residents.csv",
                        out_dir / "lots.csv")


def load_truth(directory: Path) -> list[tuple[Path, dict]]:
    """Each page image of a set with its truth JSON, in page order."""
    return [
        (png, json.loads(png.with_suffix(".json").read_text(encoding="utf-8")))
        for png in sorted(directory.glob("page-*.png"))
    ]


def main() -> None:
    """Command line entry: write one set."""
    parser = argparse.ArgumentParser(description="Generate synthetic scanned 予診票 pages.")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--residents", type=int, default=None)
    args = parser.parse_args()
    generate_set(args.out_dir, args.count, args.seed, args.residents)


if __name__ == "__main__":
    main()
