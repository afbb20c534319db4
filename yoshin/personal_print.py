"""The sample generator's printer of personal forms: the notice run's own print of one form,
rasterised as a print shop's page would be scanned back, so that `yoshin eval` measures the
product's personal forms and not a likeness of them."""

from __future__ import annotations

from datetime import date

from pdf2image import convert_from_bytes
from PIL import Image

from notices.pdf import PRINTED, Person, personal_form
from ocr import FormSpec
from samples.generate import DPI
from samples.people import Resident


def print_personal(spec: FormSpec, resident: Resident, serial: str, dose: int
                   ) -> tuple[Image.Image, frozenset[str]]:
    if spec.blank_pdf is None:
        raise ValueError(f"{spec.form_id}: the form has no blank PDF to print on")
    person = Person(resident.atena_number, resident.name, resident.name_kana,
                    date.fromisoformat(resident.birth_date), resident.sex, resident.address)
    pdf = personal_form(spec, spec.blank_pdf, person, serial, dose)
    page = convert_from_bytes(pdf, dpi=DPI, grayscale=True)[0].convert("L")
    return page, PRINTED
