"""The cheaper ways registration reads a page must read it as the costly ones did: the QR read
in a window where the forms print it gives the whole page's reading, a QR away from its place
is still read on the whole page, and the cells compared all at once agree cell by cell."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocr import features
from ocr.fieldmap import FormSpec
from ocr.registration import (
    _find_qr,
    _find_qr_in,
    _qr_windows,
    _quick_scale,
    _read_qr_quick,
    register,
)
from samples.generate import generate_set, read_image

DPI = 300
SEED = 5151


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    directory = tmp_path_factory.mktemp("cost")
    return read_image(generate_set(directory, 1, SEED, quality="office",
                                   form="covid19").pages[0])


@pytest.mark.parametrize("turn", ["as scanned", "half round", "small"])
def test_the_window_reads_what_the_whole_page_reads(page: np.ndarray,
                                                    forms: dict[str, FormSpec],
                                                    turn: str) -> None:
    gray = {"as scanned": page, "half round": cv2.rotate(page, cv2.ROTATE_180),
            "small": cv2.resize(page, None, fx=0.45, fy=0.45, interpolation=cv2.INTER_AREA)
            }[turn]
    whole = _find_qr(gray, (_quick_scale(gray),))
    assert whole is not None
    windowed = [found for window in _qr_windows(gray.shape, forms)
                if (found := _find_qr_in(gray, _quick_scale(gray), window)) is not None]
    assert len(windowed) == 1
    assert windowed[0][0] == whole[0]
    assert np.abs(windowed[0][1] - whole[1]).max() < 0.01
    read = _read_qr_quick(gray, forms, _quick_scale(gray))
    assert read is not None and read[0].form_id == "covid19"


def test_a_qr_away_from_its_place_is_read_on_the_whole_page(page: np.ndarray,
                                                            forms: dict[str, FormSpec]) -> None:
    """The sheet in the lower part of a taller image: no window holds its QR."""
    height, width = page.shape
    tall = np.full((height * 3 // 2, width), 255, np.uint8)
    tall[height // 2:] = page
    quick = _quick_scale(tall)
    assert all(_find_qr_in(tall, quick, window) is None
               for window in _qr_windows(tall.shape, forms))
    registration = register(tall, forms, DPI)
    assert (registration.spec.form_id, registration.method) == ("covid19", "marks")
    reference = register(page, forms, DPI)
    assert abs(registration.fit_error_px - reference.fit_error_px) < 1.0


def _agreement_cell_by_cell(page: np.ndarray, template: features._Template,
                            to_cells: np.ndarray) -> float:
    """The comparison as first written: one np.corrcoef per cell."""
    height, width = template.cells.shape
    warped = cv2.warpPerspective(page, to_cells, (width, height), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0)
    band = round(features.mm_to_px(features.EDGE_BAND_MM, features.FEATURE_DPI))
    inner = warped[band:-band, band:-band].copy()
    warped[:] = np.where(warped < 0, -1.0, 255.0)
    warped[band:-band, band:-band] = inner
    compared = matched = 0
    size = round(features.mm_to_px(features.CELL_MM, features.FEATURE_DPI))
    rows, columns = template.printed_grid
    for x, y, w, h in ((column * size, row * size, size, size)
                       for row, column in zip(rows, columns, strict=True)):
        cell = warped[y:y + h, x:x + w]
        if np.count_nonzero(cell < 0) > 0.1 * cell.size:
            continue
        compared += 1
        form = template.cells[y:y + h, x:x + w]
        if cell.std() > 0 and np.corrcoef(cell.ravel(), form.ravel())[0, 1] >= features.CELL_MATCH:
            matched += 1
    return matched / compared if compared else 0.0


def test_the_cells_compared_at_once_agree_cell_by_cell(page: np.ndarray,
                                                       forms: dict[str, FormSpec]) -> None:
    """On fits from right to far off (so that shares from 0 to 1 are compared), onto the
    right form and the other one, with the page shifted so that cells leave the scan."""
    fit = register(page, forms, DPI).homography
    rng = np.random.default_rng(7)
    shares = []
    for spec in forms.values():
        small, scale = features._small(page, spec)
        for_cells = cv2.GaussianBlur(features._flatten(small, features.FEATURE_DPI), (0, 0),
                                     features.CELL_BLUR_PX)
        template = features._template(spec)
        for trial in range(8):
            nudge = np.eye(3)
            if trial:
                nudge[:2] += rng.normal(0, [[0.004, 0.004, 40.0 * trial], [0.004, 0.004, 20.0]])
            to_cells = (features._scaling(features.FEATURE_DPI / DPI) @ nudge @ fit
                        @ np.linalg.inv(features._scaling(scale)))
            share = features._agreement(for_cells, template, to_cells)
            assert share == _agreement_cell_by_cell(for_cells, template, to_cells)
            shares.append(share)
    assert min(shares) < 0.5 and max(shares) >= features.MIN_AGREEMENT

