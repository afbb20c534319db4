"""Where a personal form's own print goes: on paper the blank form leaves empty, on every
form, so the 宛名番号 is legible and covers none of the form's notes or boxes; and the dose
it is sent for, in its box, where the reader reads it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from pdf2image import convert_from_bytes, convert_from_path

from notices.pdf import PRINTED, Person, personal_form
from ocr.confidence import ACCEPT
from ocr.digits import read_digits
from ocr.fieldmap import FormSpec, load_forms
from ocr.registration import register
from samples.blank_form import FORMS_DIR

DPI = 100
READ_DPI = 300
"""The reader registers every page at 300 dpi (workers.pipeline)."""
PERSON = Person("2828511882", "佐々木 恵子", "ササキ ケイコ", date(1960, 7, 31), "F",
                "千葉県松戸市馬橋5丁目19番14号")
INK = 160
"""A pixel darker than this is print."""


@pytest.mark.parametrize("form_id", sorted(load_forms(FORMS_DIR)))
def test_the_printed_identity_covers_nothing_of_the_form(form_id: str) -> None:
    spec: FormSpec = load_forms(FORMS_DIR)[form_id]
    assert spec.blank_pdf is not None
    blank = np.array(convert_from_path(spec.blank_pdf, dpi=DPI, grayscale=True)[0]) < INK
    pdf = personal_form(spec, spec.blank_pdf, PERSON, "ABCDEFGHJKLMNPQR", 1)
    printed = np.array(convert_from_bytes(pdf, dpi=DPI, grayscale=True)[0]) < INK
    added = printed & ~blank
    filled = {field.key for field in spec.fields if field.key in PRINTED}
    for key in filled:  # the identity printed in its boxes is the form's own to carry
        x, y, w, h = (round(v * DPI / 25.4) for v in spec.field(key).box)
        added[y:y + h, x:x + w] = False
    x, y, w, h = (round(v * DPI / 25.4) for v in spec.qr)
    added[y:y + h, x:x + w] = False
    rows, columns = np.nonzero(added)
    assert rows.size, "the 宛名番号 is printed"
    top, bottom, left, right = rows.min(), rows.max() + 1, columns.min(), columns.max() + 1
    margin = 3
    around = blank[max(0, top - margin):bottom + margin, max(0, left - margin):right + margin]
    assert not around.any(), (form_id, top, bottom, left, right)


@pytest.mark.parametrize("form_id", sorted(spec.form_id for spec in load_forms(FORMS_DIR).values()
                                           if any(f.key == "dose_number" for f in spec.fields)))
def test_the_dose_a_form_is_sent_for_is_printed_in_its_box_and_read_surely(form_id: str) -> None:
    """The clinic has no dose number to write on a personal form: the serial's dose is printed
    in the box, and the reader reads it there as surely as any printed digit."""
    forms = load_forms(FORMS_DIR)
    spec = forms[form_id]
    assert spec.blank_pdf is not None
    pdf = personal_form(spec, spec.blank_pdf, PERSON, "ABCDEFGHJKLMNPQR", 3)
    page = np.array(convert_from_bytes(pdf, dpi=READ_DPI, grayscale=True)[0])
    registered = register(page, forms, READ_DPI)
    value, confidence = read_digits(registered.image, spec.field("dose_number"), READ_DPI)
    assert (value, confidence >= ACCEPT) == ("3", True)
