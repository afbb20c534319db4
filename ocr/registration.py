"""Places a scanned page onto its form: QR for identity and orientation, corner marks for fit.

The QR gives a rough similarity transform even for upside-down or skewed pages; that tells
where each corner mark should be, so marks are searched only in small windows and a stray
dark blob elsewhere on the page cannot be mistaken for one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.errors import RegistrationError
from ocr.fieldmap import FormSpec
from ocr.geometry import mm_to_px
from ocr.qrpayload import parse_qr_payload

QR_ATTEMPTS = (("aruco", 0.5), ("plain", 0.5), ("aruco", 1.0), ("aruco", 1.5))
"""Decoder and scale, cheapest first. Measured on 110 generated clean, office and poor pages:
OpenCV's ArUco-based QR detector at half size decodes 90 (0.09 s), the plain one 70, together
with the ArUco one at full size all 110 (the plain one at any size missed blurred 200 dpi
JPEGs, an eighth of poor pages); enlarged is the last resort (0.8 s)."""
SEARCH_MARGIN_MM = 8.0
MARK_AREA_TOLERANCE = 0.45
MARK_MIN_FILL = 0.8
MARK_MIN_ASPECT = 0.7
MAX_FIT_ERROR_MM = 1.5
BILEVEL_SMOOTHING_PX = 1.0
"""Gaussian sigma that turns a 1-bit (fax) scan's staircase edges back into gray ones before
the warp. Measured on the 26 fax pages of two generated poor sets: text and digit fields read
right 337 instead of 319 times out of 425, and the confident misreadings (a ticket line's 1
as 4, 27 as 07, both confirmed by a second rendering) disappear."""


@dataclass(frozen=True)
class Registration:
    """A page warped onto the canonical form at `dpi`."""

    spec: FormSpec
    image: np.ndarray
    fit_error_px: float


def to_gray(image: np.ndarray) -> np.ndarray:
    """Grayscale uint8 view of a scan delivered as gray, BGR or BGRA."""
    if image.ndim == 2:
        return image if image.dtype == np.uint8 else cv2.normalize(
            image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    raise RegistrationError("not a page image: unexpected image shape")


def _smooth_if_bilevel(gray: np.ndarray) -> np.ndarray:
    """The scan, smoothed when it holds nothing but black and white (see BILEVEL_SMOOTHING_PX)."""
    sample = gray[::7, ::7]
    if np.count_nonzero((sample > 0) & (sample < 255)):
        return gray
    return cv2.GaussianBlur(gray, (0, 0), BILEVEL_SMOOTHING_PX)


def _find_qr(gray: np.ndarray) -> tuple[str, np.ndarray]:
    """Decoded text and the four symbol corners (in the symbol's own order) in image pixels."""
    detectors = {"aruco": cv2.QRCodeDetectorAruco(), "plain": cv2.QRCodeDetector()}
    for name, scale in QR_ATTEMPTS:
        detector = detectors[name]
        scaled = gray if scale == 1.0 else cv2.resize(
            gray, None, fx=scale, fy=scale,
            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        text, points, _ = detector.detectAndDecode(scaled)
        if text and points is not None:
            return text, points.reshape(4, 2).astype(np.float64) / scale
    raise RegistrationError("not a known form: no form QR code found")


def _identify(text: str, forms: Mapping[str, FormSpec]) -> FormSpec:
    parsed = parse_qr_payload(text)
    if parsed is None:
        raise RegistrationError("not a known form: the QR code is not a Yoshin form code")
    form_id, version = parsed
    spec = forms.get(form_id)
    if spec is None or spec.version != version:
        raise RegistrationError(f"not a known form: form {form_id} version {version} is unknown")
    return spec


def _qr_corners_px(spec: FormSpec, dpi: int) -> np.ndarray:
    x, y, w, h = (mm_to_px(v, dpi) for v in spec.qr)
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float64)


def _marks_px(spec: FormSpec, dpi: int) -> np.ndarray:
    return np.array([[mm_to_px(m.x, dpi), mm_to_px(m.y, dpi)] for m in spec.marks])


def _find_mark(gray: np.ndarray, centre: np.ndarray, size_px: float, margin_px: float
               ) -> np.ndarray | None:
    """Centroid of the solid square nearest to `centre`, or None if there is none."""
    half = size_px / 2 + margin_px
    height, width = gray.shape
    left, top = max(0, int(centre[0] - half)), max(0, int(centre[1] - half))
    right, bottom = min(width, int(centre[0] + half)), min(height, int(centre[1] + half))
    if right - left < size_px or bottom - top < size_px:
        return None
    window = gray[top:bottom, left:right]
    _, ink = cv2.threshold(window, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(ink, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    expected = size_px * size_px
    best: tuple[float, np.ndarray] | None = None
    for contour in contours:
        area = cv2.contourArea(contour)
        if abs(area - expected) > MARK_AREA_TOLERANCE * expected:
            continue
        (_, (rect_w, rect_h), _) = cv2.minAreaRect(contour)
        squarish = min(rect_w, rect_h) >= MARK_MIN_ASPECT * max(rect_w, rect_h)
        if not squarish or area < MARK_MIN_FILL * rect_w * rect_h:
            continue
        moments = cv2.moments(contour)
        found = np.array([moments["m10"] / moments["m00"] + left,
                          moments["m01"] / moments["m00"] + top])
        distance = float(np.linalg.norm(found - centre))
        if best is None or distance < best[0]:
            best = (distance, found)
    return None if best is None else best[1]


def register(image: np.ndarray, forms: Mapping[str, FormSpec], dpi: int) -> Registration:
    """Identify the form and warp the page onto it; RegistrationError says why not."""
    gray = _smooth_if_bilevel(to_gray(image))
    text, qr_found = _find_qr(gray)
    spec = _identify(text, forms)
    qr_canonical = _qr_corners_px(spec, dpi)
    qr_side = qr_canonical[1, 0] - qr_canonical[0, 0]
    scan_scale = float(np.linalg.norm(qr_found[1] - qr_found[0])) / qr_side
    rough, _ = cv2.estimateAffinePartial2D(qr_canonical, qr_found)
    if rough is None:
        raise RegistrationError("not a known form: the QR code position is unreadable")
    marks_canonical = _marks_px(spec, dpi)
    predicted = cv2.transform(marks_canonical[None], rough)[0]
    size_px = mm_to_px(spec.marks[0].size, dpi) * scan_scale
    margin_px = mm_to_px(SEARCH_MARGIN_MM, dpi) * scan_scale
    found = [_find_mark(gray, centre, size_px, margin_px) for centre in predicted]
    missing = [str(index + 1) for index, point in enumerate(found) if point is None]
    if missing:
        raise RegistrationError(f"corner marks not found (mark {', '.join(missing)}): "
                                "the page may be cut off or too dark")
    marks_found = np.array(found)
    source = np.vstack([marks_found, qr_found])
    target = np.vstack([marks_canonical, qr_canonical])
    homography, _ = cv2.findHomography(source, target, 0)
    if homography is None:
        raise RegistrationError("corner marks found but the page could not be fitted")
    mapped = cv2.perspectiveTransform(marks_found[None], homography)[0]
    fit_error = float(np.sqrt(np.mean(np.sum((mapped - marks_canonical) ** 2, axis=1))))
    if fit_error > mm_to_px(MAX_FIT_ERROR_MM, dpi):
        raise RegistrationError(f"the page does not fit the form (error {fit_error:.0f} px): "
                                "it may be folded, cut off or a different form")
    size = (round(mm_to_px(spec.page_mm[0], dpi)), round(mm_to_px(spec.page_mm[1], dpi)))
    registered = cv2.warpPerspective(gray, homography, size, flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return Registration(spec, registered, fit_error)
