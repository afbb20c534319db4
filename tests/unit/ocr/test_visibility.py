"""A field whose printed frame is missing from the scan (torn off, cut away, off the glass)
is not scanned, and its reading must not be called sure."""

from __future__ import annotations

import numpy as np
import pytest

from ocr import FormSpec, read_page
from ocr.geometry import mm_to_px
from ocr.template import blank_page
from ocr.visibility import HIDDEN_CAP, field_visible

DPI = 300


def _page(spec: FormSpec) -> np.ndarray:
    return np.array(blank_page(spec, DPI))


def test_every_field_of_a_whole_blank_form_is_visible(forms: dict[str, FormSpec]) -> None:
    for spec in forms.values():
        page = _page(spec)
        assert [f.key for f in spec.fields if not field_visible(page, spec, f, DPI)] == []


@pytest.mark.parametrize("dpi", [200, 300])
def test_a_torn_off_corner_hides_the_fields_under_it(forms: dict[str, FormSpec],
                                                     dpi: int) -> None:
    spec = forms["covid19"]
    page = np.array(blank_page(spec, dpi))
    # The lower right corner torn off along a line from (110, 297) to (210, 240) mm.
    height, width = page.shape
    rows, cols = np.mgrid[0:height, 0:width]
    x, y = cols / mm_to_px(1, dpi), rows / mm_to_px(1, dpi)
    page[(y - 240) * (210 - 110) > (297 - 240) * (210 - x)] = 255
    hidden = {f.key for f in spec.fields if not field_visible(page, spec, f, dpi)}
    assert {"vaccinator_name", "clinic_code"} <= hidden
    assert not hidden & {"name", "birth_date", "q1", "doctor_decision", "vaccine"}


def test_the_reading_of_a_field_cut_away_is_doubtful(forms: dict[str, FormSpec]) -> None:
    spec = forms["covid19"]
    page = _page(spec)
    top, bottom = round(mm_to_px(264, DPI)), round(mm_to_px(280, DPI))
    page[top:bottom, round(mm_to_px(120, DPI)):] = 255  # the vaccinator's name is gone
    reading = read_page(page, forms, DPI)
    assert reading.fields["vaccinator_name"].confidence <= HIDDEN_CAP
    assert reading.fields["name"].confidence > HIDDEN_CAP
