"""On a 1-bit scan (a fax) light ink falls wholly below the black level and leaves no trace,
so a blank there is never sure; on a gray scan the same blank is."""

from __future__ import annotations

import numpy as np

from ocr import FormSpec, read_page
from ocr.page import BILEVEL_BLANK_CAP
from ocr.template import blank_page


def test_a_blank_is_sure_on_a_gray_scan_and_doubtful_on_a_fax(forms: dict[str, FormSpec]
                                                            ) -> None:
    gray = np.array(blank_page(forms["covid19"], 300))
    fax = np.where(gray < 150, 0, 255).astype(np.uint8)
    on_gray = read_page(gray, forms).fields
    on_fax = read_page(fax, forms).fields
    assert on_gray["q1"].value == on_fax["q1"].value == ""
    assert on_gray["q1"].confidence >= 0.9 and on_gray["consent"].confidence >= 0.9
    for key in ("q1", "consent", "name", "birth_date"):
        assert on_fax[key].confidence <= BILEVEL_BLANK_CAP, key
