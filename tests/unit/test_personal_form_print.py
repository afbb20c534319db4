"""Where a personal form's own print goes: on paper the blank form leaves empty, on every
form, so the 宛名番号 is legible and covers none of the form's notes or boxes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from pdf2image import convert_from_bytes, convert_from_path

from notices.pdf import Person, personal_form
from ocr.fieldmap import FormSpec, load_forms
from samples.blank_form import FORMS_DIR

DPI = 100
PERSON = Person("2828511882", "佐々木 恵子", "ササキ ケイコ", date(1960, 7, 31), "F",
                "千葉県松戸市馬橋5丁目19番14号")
INK = 160
"""A pixel darker than this is print."""


@pytest.mark.parametrize("form_id", sorted(load_forms(FORMS_DIR)))
def test_the_printed_identity_covers_nothing_of_the_form(form_id: str) -> None:
    spec: FormSpec = load_forms(FORMS_DIR)[form_id]
    assert spec.blank_pdf is not None
    blank = np.array(convert_from_path(spec.blank_pdf, dpi=DPI, grayscale=True)[0]) < INK
    pdf = personal_form(spec, spec.blank_pdf, PERSON, "ABCDEFGHJKLMNPQR")
    printed = np.array(convert_from_bytes(pdf, dpi=DPI, grayscale=True)[0]) < INK
    added = printed & ~blank
    filled = {field.key for field in spec.fields if field.key in ("name", "name_kana",
                                                                  "address", "birth_date",
                                                                  "sex")}
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
