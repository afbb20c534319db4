"""Fits a page onto its form by the printed content alone, for pages whose QR code or corner
marks are lost: a reception stamp over the QR, a torn or cut corner, a phone photo.

ORB features of the page are matched to those of each blank form (ocr.template) and a
MAGSAC homography is fitted; ECC then refines it on a blurred low-resolution image, which
brings it from ~0.5 mm to ~0.1 mm everywhere on the page. Neither inlier counts nor a
whole-page correlation tell the forms apart well (a covid19 and an influenza page share
most of their layout), so each fitted form is judged region by region: the share of the
form's printed 20 mm cells that the page reproduces. The right form reproduces nearly all,
a form that merely shares the layout about three in four; the form must win clearly and
reproduce enough, which also turns away a sheet folded by a few millimetres (its regions
cannot all fit at once). `agreement` checks a fit made by the corner marks the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from ocr.errors import RegistrationError
from ocr.fieldmap import FormSpec
from ocr.geometry import mm_to_px
from ocr.template import blank_page

FEATURE_DPI = 100
"""Resolution features are found and regions compared at. Measured on 36 generated clean,
office and poor pages: the fitted homography lies within 0.7 mm of the true one everywhere
(median 0.15 mm)."""
FEATURE_COUNT = 3000
"""ORB features per image. On 32 generated office, poor and influenza pages under a 3-5 %
perspective, with the QR left out, the right form's inliers were at least 39 (median 150);
with 2000 at least 18 (median 80)."""
FEATURE_BLUR_PX = 1.0
"""Gaussian sigma on page and form before ORB, so that a sharp rendered form and a blurred
JPEG scan look alike: 40 % more inliers at nearly no cost."""
MATCH_RATIO = 0.8
"""Lowe's ratio test: the repeated boxes and はい/いいえ labels match many places alike and
are dropped, the unique printed text is kept."""
RANSAC_PX = 2.0
"""Inlier distance at FEATURE_DPI (0.5 mm)."""
MIN_INLIERS = 15
"""Fewest inliers a form needs to be considered at all; the region check below decides."""
QR_MASK_MM = 4.0
"""The QR of every printing, with its quiet zone, is left out of the form's features: it
differs between printings and is what a stamp covers."""
REFINE_DPI = 50
"""Resolution of the ECC refinement (0.1-0.15 mm from the true fit on generated pages,
0.05 mm at 100 dpi for three times the time)."""
REFINE_BLUR_PX = 1.0
"""Gaussian sigma at REFINE_DPI: smooths lines into slopes ECC can follow."""
PAPER_WINDOW_MM = 5.0
"""Window of the paper estimate the page is divided by, so that a photo's uneven light does
not weigh on the comparison: wider than any printed line or stroke."""
EDGE_BAND_MM = 4.0
"""Band along the sheet's edge left out of the refinement: in a photo the desk beyond the
edge is dark, and ECC stretched the page by 0.3 % to push that darkness out of the form
(0.3-0.5 mm off at the far fields of 16 generated photos; 0.1-0.2 mm with the band out)."""
ECC_ITERATIONS = 40
ECC_EPSILON = 1e-4
CELL_MM = 20.0
CELL_BLUR_PX = 0.7
"""Gaussian sigma at FEATURE_DPI on both images before cells are compared."""
CELL_MIN_CONTRAST = 8.0
"""Cells of the blank form whose gray level varies less than this hold no print and are
not compared."""
CELL_MATCH = 0.5
"""Correlation at which a cell of the page reproduces the form's cell."""
MIN_AGREEMENT = 0.8
"""Share of printed cells a fitted page must reproduce. With CELL_MM, CELL_BLUR_PX and
CELL_MATCH as set, generated pages fitted onto their own form reproduced 0.86-1.0 (the
lowest a clean page written all over in felt pen, circles round every answer), 40 pages
with a covered QR, phone photos among them, 0.89-1.0; fitted onto the other form, which
shares most of the layout, at most 0.72. Fitted by their corner marks, sheets folded so
that the lower half sits 1 mm lower (fields still within 1 mm) reproduced 0.78-0.96, 2 mm
lower 0.35-0.64, 4 mm lower 0.22-0.32 (15 and 30 mm cells and other blurs separated these
less)."""
UNRELATED_AGREEMENT = 0.4
"""Below this share the page is taken for another document rather than a damaged form
(three pages of random printed text and boxes reproduced at most 0.01 of either form)."""
AGREEMENT_MARGIN = 0.1
"""How much the best form must out-reproduce the next one, both judged on the features' fit
before ECC (which is spent on the best only); the gap was 0.19 or more on the pages above."""


@dataclass(frozen=True)
class _Features:
    points: np.ndarray
    descriptors: np.ndarray


@dataclass(frozen=True)
class _Template:
    features: _Features
    refine: np.ndarray
    """The blank form at REFINE_DPI, blurred, as float32."""
    cells: np.ndarray
    """The blank form at FEATURE_DPI, blurred by CELL_BLUR_PX, as float32."""
    printed_grid: tuple[np.ndarray, np.ndarray]
    """Row and column, in the grid of CELL_MM cells, of each cell that holds print."""
    printed_centred: np.ndarray
    """The printed cells of `cells`, one a row, as float64 less their means: the form's side
    of the cell correlations, made once (6 MB a form; 1.3 ms a comparison to make anew)."""
    printed_squares: np.ndarray
    """Sum of squares of each row of `printed_centred`."""


@dataclass(frozen=True)
class ContentFit:
    """A page fitted onto a form by its print."""

    spec: FormSpec
    homography: np.ndarray
    """Page pixels to form pixels at the requested dpi."""
    residual_px: float
    """RMS distance, in form pixels at the requested dpi, of the matched print features from
    where the fit puts them."""


def _features(image: np.ndarray) -> _Features:
    blurred = cv2.GaussianBlur(image, (0, 0), FEATURE_BLUR_PX)
    detector = cv2.ORB.create(nfeatures=FEATURE_COUNT, scaleFactor=1.2, nlevels=6,
                              fastThreshold=10)
    keypoints, descriptors = detector.detectAndCompute(blurred, None)
    points = np.array([kp.pt for kp in keypoints], np.float32).reshape(-1, 2)
    if descriptors is None:
        descriptors = np.zeros((0, 32), np.uint8)
    return _Features(points, descriptors)


def _without(features: _Features, boxes: list[tuple[float, ...]]) -> _Features:
    """The features outside `boxes` (pixels x0, y0, x1, y1). Filtered after detection: a mask
    given to ORB itself left a third of the inliers on 200 dpi photos."""
    x, y = features.points[:, 0], features.points[:, 1]
    keep = np.ones(len(features.points), bool)
    for left, top, right, bottom in boxes:
        keep &= ~((x >= left) & (x < right) & (y >= top) & (y < bottom))
    return _Features(features.points[keep], features.descriptors[keep])


def _flatten(gray: np.ndarray, dpi: float) -> np.ndarray:
    """The page divided by its paper level, as float32 with paper at 255."""
    window = max(3, int(mm_to_px(PAPER_WINDOW_MM, dpi)) | 1)
    paper = cv2.dilate(gray, cv2.getStructuringElement(cv2.MORPH_RECT, (window, window)))
    paper = cv2.blur(paper, (window, window)).astype(np.float32)
    return np.minimum(gray.astype(np.float32) * 255.0 / np.maximum(paper, 1.0), 255.0)


def _printed_grid(cells: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each cell of `size` pixels that holds print."""
    height, width = cells.shape
    printed = [(y // size, x // size) for y in range(0, height - size + 1, size)
               for x in range(0, width - size + 1, size)
               if cells[y:y + size, x:x + size].std() >= CELL_MIN_CONTRAST]
    return (np.array([row for row, _ in printed], np.intp),
            np.array([column for _, column in printed], np.intp))


@cache
def _template(spec: FormSpec) -> _Template:
    """Features, refinement and comparison images of the blank form, made once per process."""
    qr_boxes = [tuple(mm_to_px(v, FEATURE_DPI) for v in (x - QR_MASK_MM, y - QR_MASK_MM,
                                                         x + w + QR_MASK_MM, y + h + QR_MASK_MM))
                for x, y, w, h in (spec.qr, *(printing.qr for printing in spec.earlier))]
    blank = blank_page(spec, FEATURE_DPI)
    refine = cv2.GaussianBlur(blank_page(spec, REFINE_DPI).astype(np.float32), (0, 0),
                              REFINE_BLUR_PX)
    cells = cv2.GaussianBlur(blank.astype(np.float32), (0, 0), CELL_BLUR_PX)
    size = round(mm_to_px(CELL_MM, FEATURE_DPI))
    grid = _printed_grid(cells, size)
    centred = _centred(_cell_stack(cells, grid, size))
    return _Template(_without(_features(blank), qr_boxes), refine, cells, grid, centred,
                     np.einsum("ij,ij->i", centred, centred))


def _centred(cells: np.ndarray) -> np.ndarray:
    """Cells (one a row) as float64, each less its mean: as np.corrcoef takes them."""
    centred = cells.astype(np.float64)
    centred -= centred.mean(axis=1, keepdims=True)
    return centred


def _cell_stack(image: np.ndarray, grid: tuple[np.ndarray, np.ndarray], size: int
                ) -> np.ndarray:
    """The cells at `grid` (rows and columns of `size` pixel cells from the image's origin),
    one flattened cell a row."""
    rows, columns = image.shape[0] // size, image.shape[1] // size
    tiles = image[:rows * size, :columns * size].reshape(rows, size, columns, size)
    return tiles.transpose(0, 2, 1, 3)[grid].reshape(len(grid[0]), size * size)


def _scaling(factor: float) -> np.ndarray:
    """Pixel coordinates of one resolution to those of another `factor` times as fine, in
    OpenCV's convention (integers at pixel centres): without the half-pixel shift a fit made
    at REFINE_DPI would land 0.25 mm off."""
    shift = (factor - 1) / 2
    return np.array([[factor, 0.0, shift], [0.0, factor, shift], [0.0, 0.0, 1.0]])


def _match(page: _Features, form: _Features) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Homography page → form (feature pixels) with its inliers' page and form points."""
    if len(page.descriptors) < 2 or len(form.descriptors) < 2:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(page.descriptors, form.descriptors, k=2)
    good = [best for best, second in (pair for pair in pairs if len(pair) == 2)
            if best.distance < MATCH_RATIO * second.distance]
    if len(good) < MIN_INLIERS:
        return None
    source = page.points[[match.queryIdx for match in good]]
    target = form.points[[match.trainIdx for match in good]]
    homography, inliers = cv2.findHomography(source, target, cv2.USAC_MAGSAC, RANSAC_PX)
    if homography is None or inliers is None or inliers.sum() < MIN_INLIERS:
        return None
    kept = inliers.ravel().astype(bool)
    return homography, source[kept], target[kept]


def _refine(page: np.ndarray, refine: np.ndarray, to_refine: np.ndarray) -> np.ndarray:
    """ECC-refined page → form homography at REFINE_DPI; the start unchanged when ECC does
    not converge (the region check then judges the rougher fit). Only the page inside its
    edge band is compared (see EDGE_BAND_MM)."""
    band = round(mm_to_px(EDGE_BAND_MM, REFINE_DPI))
    inner = np.zeros(refine.shape, np.uint8)
    inner[band:-band, band:-band] = 255
    mask = cv2.warpPerspective(inner, to_refine, (page.shape[1], page.shape[0]),
                               flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP)
    warp = np.linalg.inv(to_refine).astype(np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, ECC_ITERATIONS, ECC_EPSILON)
    try:
        _, refined = cv2.findTransformECC(refine, page, warp, cv2.MOTION_HOMOGRAPHY, criteria,
                                          mask, 1)
    except cv2.error:
        return to_refine
    return np.linalg.inv(refined.astype(np.float64))


def _agreement(page: np.ndarray, template: _Template, to_cells: np.ndarray) -> float:
    """Share of the form's printed cells that the page, warped by `to_cells`, reproduces;
    cells the scan does not cover (a cut corner or edge) are left out, and the edge band
    (where a photo shows the desk) is taken as paper."""
    height, width = template.cells.shape
    warped = cv2.warpPerspective(page, to_cells, (width, height), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0)
    band = round(mm_to_px(EDGE_BAND_MM, FEATURE_DPI))
    for edge in (warped[:band], warped[-band:], warped[band:-band, :band],
                 warped[band:-band, -band:]):
        edge[:] = np.where(edge < 0, -1.0, 255.0)
    size = round(mm_to_px(CELL_MM, FEATURE_DPI))
    page_cells = _cell_stack(warped, template.printed_grid, size)
    covered = np.count_nonzero(page_cells < 0, axis=1) <= 0.1 * size * size
    # One correlation per cell as np.corrcoef computes it (in float64), all cells at once: a
    # cell loop spent 10 ms a call on numpy overhead. A cell of one gray level correlates
    # with nothing (corrcoef gives nan), and is not a match.
    varied = page_cells.max(axis=1) > page_cells.min(axis=1)
    page_centred = _centred(page_cells)
    products = np.einsum("ij,ij->i", page_centred, template.printed_centred)
    norms = np.sqrt(np.einsum("ij,ij->i", page_centred, page_centred)
                    * template.printed_squares)
    correlation = np.divide(products, norms, out=np.zeros_like(products), where=norms > 0)
    compared = int(np.count_nonzero(covered))
    matched = int(np.count_nonzero(covered & varied & (correlation >= CELL_MATCH)))
    return matched / compared if compared else 0.0


def _residual(homography: np.ndarray, source: np.ndarray, target: np.ndarray, scale: float,
              dpi: int) -> float:
    mapped = cv2.perspectiveTransform(source[None].astype(np.float64),
                                      homography @ np.linalg.inv(_scaling(scale)))[0]
    expected = cv2.perspectiveTransform(target[None].astype(np.float64),
                                        _scaling(dpi / FEATURE_DPI))[0]
    return float(np.sqrt(np.mean(np.sum((mapped - expected) ** 2, axis=1))))


def _small(gray: np.ndarray, spec: FormSpec) -> tuple[np.ndarray, float]:
    """The page scaled so that a sheet filling it would be at about FEATURE_DPI."""
    scale = min(1.0, mm_to_px(max(spec.page_mm), FEATURE_DPI) / max(gray.shape))
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale


def agreement(gray: np.ndarray, spec: FormSpec, homography: np.ndarray, dpi: int) -> float:
    """Share of the form's printed cells that the page, fitted by `homography` (page pixels
    to form pixels at `dpi`), reproduces: how a fit by other means is checked."""
    small, scale = _small(gray, spec)
    for_cells = cv2.GaussianBlur(_flatten(small, FEATURE_DPI), (0, 0), CELL_BLUR_PX)
    to_cells = _scaling(FEATURE_DPI / dpi) @ homography @ np.linalg.inv(_scaling(scale))
    return _agreement(for_cells, _template(spec), to_cells)


def _unfitted(spec: FormSpec, agreement: float) -> RegistrationError:
    return RegistrationError(f"the page could not be fitted onto form {spec.form_id} by its "
                             f"printed content (only {agreement:.0%} of it matches): it may "
                             "be folded, crumpled, cut off or a different form")


def fit_by_content(gray: np.ndarray, candidates: Sequence[FormSpec], dpi: int) -> ContentFit:
    """The candidate form the page's print matches, with the page's fit onto it;
    RegistrationError saying why when none matches clearly."""
    small, scale = _small(gray, candidates[0])
    page = _features(small)
    flat = _flatten(small, FEATURE_DPI)
    for_refine = cv2.GaussianBlur(flat, (0, 0), REFINE_BLUR_PX * FEATURE_DPI / REFINE_DPI)
    for_cells = cv2.GaussianBlur(flat, (0, 0), CELL_BLUR_PX)
    down, up = _scaling(REFINE_DPI / FEATURE_DPI), _scaling(FEATURE_DPI / REFINE_DPI)
    fitted = []
    for spec in candidates:
        match = _match(page, _template(spec).features)
        if match is not None:
            fitted.append((_agreement(for_cells, _template(spec), match[0]), spec, match))
    fitted.sort(key=lambda fit: fit[0], reverse=True)
    if not fitted or fitted[0][0] < UNRELATED_AGREEMENT:
        if len(candidates) == 1:  # the QR named the form: the page is ours, too damaged
            raise _unfitted(candidates[0], fitted[0][0] if fitted else 0.0)
        raise RegistrationError("the printed content matches no known form: the page is not "
                                "one of our forms, or too damaged to read")
    _, spec, (rough, source, target) = fitted[0]
    template = _template(spec)
    refined = up @ _refine(for_refine, template.refine, down @ rough)
    agreement = _agreement(for_cells, template, refined)
    if agreement < fitted[0][0]:  # ECC wandered off: the features' fit reproduced more
        refined, agreement = rough, fitted[0][0]
    if agreement < MIN_AGREEMENT:
        raise _unfitted(spec, agreement)
    if len(fitted) > 1 and fitted[0][0] - fitted[1][0] < AGREEMENT_MARGIN:
        raise RegistrationError(f"the printed content matches both {spec.form_id} and "
                                f"{fitted[1][1].form_id}: the page may be badly damaged")
    homography = _scaling(dpi / FEATURE_DPI) @ refined @ _scaling(scale)
    return ContentFit(spec, homography, _residual(homography, source, target, scale, dpi))
