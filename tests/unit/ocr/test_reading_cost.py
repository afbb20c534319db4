"""The cheaper ways the readers work must give what the costly ones gave, and the work they
leave out must be work no field needs."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocr import optionmarks, tesseract
from ocr.fieldmap import FormSpec
from ocr.geometry import mm_to_px
from ocr.registration import register
from samples.generate import generate_set, read_image

DPI = 300
FONT = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"


def _line(text: str, ink: int, paper: int) -> np.ndarray:
    face = ImageFont.truetype(FONT, 44)
    image = Image.new("L", (int(face.getlength(text)) + 24, 70), paper)
    ImageDraw.Draw(image).text((12, 12), text, font=face, fill=ink)
    return np.array(image)


def test_tesseract_reads_dark_on_white_and_never_tries_the_inverted_line() -> None:
    """Every crop the readers give Tesseract is dark writing on white; the inverted second
    try cost 17 % of its time. A light-on-dark line is therefore not read."""
    assert [word.text for word in tesseract.read_line(_line("2718281", 0, 255), "eng",
                                                      "0123456789")] == ["2718281"]
    inverted = tesseract.read_line(_line("2718281", 255, 0), "eng", "0123456789")
    assert "".join(word.text for word in inverted) != "2718281"


def _reference_origin(gray: np.ndarray, spec: FormSpec, window: tuple[int, int, int, int],
                      slack: int) -> tuple[int, int]:
    """_aligned_origin as first written: the darkness of each shift by 2-D indexing."""
    x, y, w, h = window
    printed = optionmarks._print_in(spec, DPI, window)
    search = gray[y - slack:y + h + slack, x - slack:x + w + slack]
    if search.shape != (h + 2 * slack, w + 2 * slack) or printed.half is None:
        return x, y
    scores = cv2.matchTemplate(cv2.resize(search, None, fx=0.5, fy=0.5,
                                          interpolation=cv2.INTER_AREA),
                               printed.half, cv2.TM_CCOEFF_NORMED)
    cx, cy = cv2.minMaxLoc(scores)[3]
    left = min(max(0, 2 * cx - 1), 2 * slack - 2)
    top = min(max(0, 2 * cy - 1), 2 * slack - 2)
    darkness = {(dx, dy): int(search[printed.rows + top + dy, printed.columns + left + dx].sum(
        dtype=np.int64)) for dy in range(3) for dx in range(3)}
    dx, dy = min(darkness, key=darkness.__getitem__)
    return x + left + dx - slack, y + top + dy - slack


@pytest.mark.parametrize("quality", ["office", "photo"])
def test_each_option_window_is_fitted_where_the_costly_fit_put_it(
        tmp_path: Path, forms: dict[str, FormSpec], quality: str) -> None:
    made = generate_set(tmp_path, 2, 5152, quality=quality)
    slack = round(mm_to_px(optionmarks.ALIGN_SLACK_MM, DPI))
    compared = 0
    for path in made.pages:
        registration = register(read_image(path), forms, DPI)
        spec, gray = registration.spec, registration.image
        for field in spec.fields:
            if field.type not in ("choice", "check", "presence"):
                continue
            window = optionmarks._layout(spec, DPI, field.key, gray.shape[:2]).window
            assert optionmarks._aligned_origin(gray, spec, DPI, window, slack) == \
                _reference_origin(gray, spec, window, slack)
            compared += 1
    assert compared >= 30
