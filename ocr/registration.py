"""Places a scanned page onto its form.

The fast path: the QR gives identity and a rough similarity transform even for upside-down
or skewed pages; that tells where each corner mark should be, and the marks with the QR's
corners fit the page, which must then reproduce the form's print (a sheet folded between
its marks does not). When the QR cannot be read at a glance (a reception stamp over it, a
page shifted past its quiet zone, a blurred photo), a mark is lost (a torn or cut corner)
or the marks do not fit (a phone photo's perspective), the page is fitted by its printed
content instead (ocr.features): a QR that was read still decides the form, and the marks
that are left confirm the fit. A page that fits neither way fails with both reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import cv2
import numpy as np

from ocr.corner_marks import find_mark, mark_names, marks_px, missing_text
from ocr.errors import RegistrationError
from ocr.features import MIN_AGREEMENT, ContentFit, agreement, fit_by_content
from ocr.fieldmap import FormSpec
from ocr.geometry import mm_to_px
from ocr.qrpayload import parse_qr_payload

LONE_QR_REACH = 0.5
"""Margin, in symbol sizes, of the window a form QR found among several is read again in."""
QUICK_QR_LONG_SIDE_PX = 1800
"""The QR is first looked for on the page scaled to this long side (about 150 dpi: a 300 dpi
scan at half size, a 200 dpi one at 0.7), by OpenCV's ArUco-based detector. Measured on 40
generated pages each: it reads 39 clean, 39 office, 27 poor and 32 photo pages in 0.08 s
(300 dpi) to 0.13 s; at a fixed half size only 18 poor pages (module 2.5 px), and OpenCV's
plain detector at 1800 px only 7 poor and 3 photo pages. A page whose QR is not read here
goes to its print (about 0.2 s, and 0.1-0.2 mm from the true fit), which is cheaper than
reading the QR at full size (0.3-0.4 s) and then fitting by marks."""
QR_SEARCH_MARGIN_MM = 40.0
"""The quick read looks first in a window this far beyond where any printing of the forms
puts its QR (as a share of the image, upright and then turned half round), and on the whole
page only when no window holds a form QR. Scans fill the image, but a phone photo shows the
desk around the sheet: on 180 generated pages (seeds 6201-6204, all qualities) the QR lay up
to 28 mm below and 20 mm inward of its printed place, and with 25 mm three photos' QR fell
outside. The window is a tenth of the page; reading it (scaling the strip it lies in, 3 ms,
and decoding, 7 ms) replaced the whole page's 80-100 ms on the 146 pages whose QR is read at
a glance, and found the very QR the whole page gives on each."""
REGISTERED_QR_MARGIN_MM = 4.0
"""Quiet zone around the QR's printed place in which a page fitted by its print has its QR
read once more (REGISTERED_QR_SCALES)."""
REGISTERED_QR_SCALES = (1.0, 2.0)
"""A QR not read at a glance is read again on the fitted page, where it lies upright at its
printed place and full resolution: a personal form's serial is in it. On a development set
(144 personal forms) 21 went to their print with the serial unread (the longer code, 29
modules, has 3 px modules at a glance); read here, 18 of them at the form's own size, 19
with it doubled, 3-10 ms each."""
THOROUGH_QR_SCALES = (1.0, 1.5)
"""The QR read harder, as delivered and enlarged, for a page whose print does not tell its
form (35 of those 40 poor and photo pages read at full size)."""
SEARCH_MARGIN_MM = 16.0
"""Mark search window beyond the mark, around where the QR and the marks found so far put
it. Marks are looked for nearest to the QR first, each one found sharpening the guess for
the next (a similarity until three are found, then a homography): from the QR alone a
photo's far corners were predicted 10-38 mm off. Of 40 generated phone photos the marks fit
11 with 8 mm, 14 with 12 mm and 19 with 16 mm (the rest go to the print); a blob that is
not a mark is turned away by its size and fill, and a wrong one by MAX_FIT_ERROR_MM."""
ALL_INLIERS_PX = 1e6
"""A RANSAC threshold no point exceeds: a least-squares fit of the few points there are."""
CONTENT_MARGIN_MM = 5.0
"""Mark search window beyond the mark around where a content fit puts it: that fit lies
within 0.3 mm of the page, so a mark found farther off than MAX_MARK_OFF_MM tells of a fold."""
TIGHT_MARGIN_MM = 2.0
"""Window beyond a mark found, to take its centre from a window that holds little but the
mark: the wide search window's threshold, swayed by what else it holds, moved centres by a
pixel."""
MAX_MARK_OFF_MM = 1.0
"""Farthest a corner mark may lie from where a content fit puts it. A sheet folded so that
its lower half sits 2 mm lower was fitted by its upper half's print (its cells reproduce
0.82-0.84 of the form: box sides and columns hide a shift along them), but its lower marks
lay 2 mm off."""
MAX_FIT_ERROR_MM = 1.5
BILEVEL_SMOOTHING_PX = 1.0
"""Gaussian sigma that turns a 1-bit (fax) scan's staircase edges back into gray ones before
the warp. Measured on the 26 fax pages of two generated poor sets: text and digit fields read
right 337 instead of 319 times out of 425, and the confident misreadings (a ticket line's 1
as 4, 27 as 07, both confirmed by a second rendering) disappear."""

Method = Literal["marks", "content"]


@dataclass(frozen=True)
class Registration:
    """A page warped onto the canonical form at `dpi`."""

    spec: FormSpec
    image: np.ndarray
    fit_error_px: float
    """RMS distance of the corner marks found from where the fit puts them (for a page fitted
    by content with no mark left, of its matched print features)."""
    homography: np.ndarray
    """Scan pixels to form pixels at `dpi`."""
    method: Method
    """"marks" when the QR and all four marks fitted the page, "content" when its print did."""
    qr_text: str = ""
    """What the form's QR carried, when it was read (a personal form's serial is in it)."""


def to_gray(image: np.ndarray) -> np.ndarray:
    """Grayscale uint8 view of a scan delivered as gray, BGR or BGRA."""
    if image.ndim == 2:
        # OpenCV's stub makes `dst` required; None (a new array) is what the binding accepts.
        return image if image.dtype == np.uint8 else cv2.normalize(
            image, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)  # type: ignore[call-overload]
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    raise RegistrationError("not a page image: unexpected image shape")


def is_bilevel(gray: np.ndarray) -> bool:
    """Whether the scan holds nothing but black and white (a fax, a 1-bit scan)."""
    sample = gray[::7, ::7]
    return not np.count_nonzero((sample > 0) & (sample < 255))


def _smooth_if_bilevel(gray: np.ndarray) -> np.ndarray:
    """The scan, smoothed when it is bilevel (see BILEVEL_SMOOTHING_PX)."""
    return cv2.GaussianBlur(gray, (0, 0), BILEVEL_SMOOTHING_PX) if is_bilevel(gray) else gray


def _find_qr(gray: np.ndarray, scales: tuple[float, ...]) -> tuple[str, np.ndarray] | None:
    """Decoded text and the four symbol corners (in the symbol's own order) in image pixels
    of the page's form QR. With another code on the page too (the 接種券's own QR) the
    single-code detector decodes neither, so the codes are found together and the form's is
    read again on its own, in a window around it, for the corners a lone code gives."""
    detector = cv2.QRCodeDetectorAruco()
    for scale in scales:
        scaled = gray if scale == 1.0 else cv2.resize(
            gray, None, fx=scale, fy=scale,
            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
        text, points, _ = detector.detectAndDecode(scaled)
        if text and points is not None and parse_qr_payload(text) is not None:
            return text, points.reshape(4, 2).astype(np.float64) / scale
        found = _among_several(detector, gray, scaled, scale)
        if found is not None:
            return found
    return None


def _among_several(detector: cv2.QRCodeDetectorAruco, gray: np.ndarray, scaled: np.ndarray,
                   scale: float) -> tuple[str, np.ndarray] | None:
    found, texts, points, _ = detector.detectAndDecodeMulti(scaled)
    if not found or points is None:
        return None
    for text, corners in zip(texts, points, strict=True):
        if not text or parse_qr_payload(text) is None:
            continue
        corners = corners.reshape(4, 2).astype(np.float64) / scale
        (left, top), (right, bottom) = corners.min(axis=0), corners.max(axis=0)
        reach = max(right - left, bottom - top) * LONE_QR_REACH
        window = (max(0, int(top - reach)), min(gray.shape[0], int(bottom + reach)),
                  max(0, int(left - reach)), min(gray.shape[1], int(right + reach)))
        alone = _find_qr_in(gray, scale, window)
        return alone if alone is not None and alone[0] == text else (text, corners)
    return None


Window = tuple[int, int, int, int]
"""Top, bottom, left, right of part of an image, in pixels."""


def _qr_windows(shape: tuple[int, ...], forms: Mapping[str, FormSpec]) -> list[Window]:
    """Where the QR of a page filling an image of `shape` lies, upright or turned half round:
    every printing's QR place widened by QR_SEARCH_MARGIN_MM, as shares of the page. No
    window for an image turned sideways to the forms: the whole page is read."""
    height, width = shape[:2]
    boxes = []
    for spec in forms.values():
        page_w, page_h = spec.page_mm
        if (height >= width) != (page_h >= page_w):
            continue
        margin = QR_SEARCH_MARGIN_MM
        for x, y, w, h in (spec.qr, *(printing.qr for printing in spec.earlier)):
            boxes.append(((y - margin) / page_h, (y + h + margin) / page_h,
                          (x - margin) / page_w, (x + w + margin) / page_w))
    if not boxes:
        return []
    top, bottom = min(b[0] for b in boxes), max(b[1] for b in boxes)
    left, right = min(b[2] for b in boxes), max(b[3] for b in boxes)
    windows = []
    for t, b, lf, r in ((top, bottom, left, right), (1 - bottom, 1 - top, 1 - right, 1 - left)):
        window = (max(0, int(t * height)), min(height, int(np.ceil(b * height))),
                  max(0, int(lf * width)), min(width, int(np.ceil(r * width))))
        if window[1] > window[0] and window[3] > window[2] and window not in windows:
            windows.append(window)
    return windows


def _find_qr_in(gray: np.ndarray, scale: float, window: Window) -> tuple[str, np.ndarray] | None:
    """What `_find_qr(gray, (scale,))` reads when the QR lies in `window`, for a tenth of its
    cost. The part of the image from its origin to the window's far corner is scaled (an
    area resize of a part that starts where the image does gives the very pixels of the whole
    image's), and the window cut from it; the detector's marker size limits, shares of the
    image's long side, are set for the whole scaled page. The corners found agree with the
    whole page's to 1e-4 px (float32 rounding)."""
    top, bottom, left, right = window
    part = gray[:bottom, :right]
    scaled = part if scale == 1.0 else cv2.resize(part, None, fx=scale, fy=scale,
                                                  interpolation=cv2.INTER_AREA)
    row, column = int(top * scale), int(left * scale)
    cut = scaled[row:, column:]
    if min(cut.shape) < 2:
        return None
    detector = cv2.QRCodeDetectorAruco()
    params = detector.getArucoParameters()
    page_long_side = round(max(gray.shape) * scale)
    ratio = page_long_side / max(cut.shape)
    params.minMarkerPerimeterRate *= ratio
    params.maxMarkerPerimeterRate *= ratio
    detector.setArucoParameters(params)
    text, points, _ = detector.detectAndDecode(cut)
    if not text or points is None:
        return None
    return text, (points.reshape(4, 2).astype(np.float64) + (column, row)) / scale


def _identify(text: str, forms: Mapping[str, FormSpec]) -> FormSpec | None:
    """The printing of the form the QR names; None for a QR that is not a form code (a
    sticker's), which then says nothing about the page."""
    parsed = parse_qr_payload(text)
    if parsed is None:
        return None
    form_id, version = parsed
    spec = forms.get(form_id)
    printing = None if spec is None else spec.printing(version)
    if printing is None:
        raise RegistrationError(f"not a known form: form {form_id} version {version} is unknown")
    return printing


def _qr_corners_px(spec: FormSpec, dpi: int) -> np.ndarray:
    x, y, w, h = (mm_to_px(v, dpi) for v in spec.qr)
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float64)


def _rms(points: np.ndarray, homography: np.ndarray, targets: np.ndarray) -> float:
    mapped = cv2.perspectiveTransform(points[None].astype(np.float64), homography)[0]
    return float(np.sqrt(np.mean(np.sum((mapped - targets) ** 2, axis=1))))


def _fit_by_marks(gray: np.ndarray, spec: FormSpec, qr_found: np.ndarray, dpi: int
                  ) -> tuple[np.ndarray, float] | str:
    """Homography and fit error from the QR and the four marks, or why they do not fit."""
    qr_canonical = _qr_corners_px(spec, dpi)
    qr_side = qr_canonical[1, 0] - qr_canonical[0, 0]
    scan_scale = float(np.linalg.norm(qr_found[1] - qr_found[0])) / qr_side
    marks_canonical = marks_px(spec, dpi)
    size_px = mm_to_px(spec.marks[0].size, dpi) * scan_scale
    margin_px = mm_to_px(SEARCH_MARGIN_MM, dpi) * scan_scale
    tight_px = mm_to_px(TIGHT_MARGIN_MM, dpi) * scan_scale
    found: list[np.ndarray | None] = [None] * len(marks_canonical)
    qr_centre = qr_canonical.mean(axis=0)
    for index in np.argsort(np.linalg.norm(marks_canonical - qr_centre, axis=1)):
        known = [i for i, point in enumerate(found) if point is not None]
        source = np.vstack([qr_canonical, marks_canonical[known]])
        target = np.vstack([qr_found, *(point for point in found if point is not None)])
        if len(known) >= 3:
            model, _ = cv2.findHomography(source, target, 0)
        else:
            similarity, _ = cv2.estimateAffinePartial2D(source, target,
                                                        ransacReprojThreshold=ALL_INLIERS_PX)
            model = np.vstack([similarity, [0, 0, 1]])
        centre = cv2.perspectiveTransform(marks_canonical[None, [index]], model)[0, 0]
        point = find_mark(gray, centre, size_px, margin_px)
        if point is not None:  # its centre again, from a window of little but the mark
            point = find_mark(gray, point, size_px, tight_px)
        found[index] = point
    if any(point is None for point in found):
        return f"corner marks not found ({missing_text(spec, found)})"
    marks_found = np.array(found)
    homography, _ = cv2.findHomography(np.vstack([marks_found, qr_found]),
                                       np.vstack([marks_canonical, qr_canonical]), 0)
    if homography is None:
        return "corner marks found but they do not fit"
    fit_error = _rms(marks_found, homography, marks_canonical)
    if fit_error > mm_to_px(MAX_FIT_ERROR_MM, dpi):
        return f"the corner marks do not fit the form (error {fit_error:.0f} px)"
    return homography, fit_error


def _marks_check(gray: np.ndarray, fit: ContentFit, dpi: int) -> tuple[float, str] | None:
    """RMS distance of the marks found near where the content fit puts them and the one
    lying farthest off (its name, "" if all lie within MAX_MARK_OFF_MM); None if no mark is
    left on the page."""
    inverse = np.linalg.inv(fit.homography)
    canonical = marks_px(fit.spec, dpi)
    found = []
    for name, mark, centre in zip(mark_names(fit.spec), fit.spec.marks, canonical, strict=True):
        half = mm_to_px(mark.size, dpi) / 2
        square = centre + np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
        corners = cv2.perspectiveTransform(square[None], inverse)[0].astype(np.float32)
        size_px = float(np.sqrt(cv2.contourArea(corners)))
        margin_px = mm_to_px(CONTENT_MARGIN_MM, dpi) * size_px / (2 * half)
        point = find_mark(gray, corners.mean(axis=0), size_px, margin_px)
        if point is not None:
            found.append((name, point, centre))
    if not found:
        return None
    mapped = cv2.perspectiveTransform(np.array([[p for _, p, _ in found]], np.float64),
                                      fit.homography)[0]
    off = np.linalg.norm(mapped - np.array([c for _, _, c in found]), axis=1)
    worst = int(np.argmax(off))
    name = found[worst][0] if off[worst] > mm_to_px(MAX_MARK_OFF_MM, dpi) else ""
    return float(np.sqrt(np.mean(off ** 2))), name


def _fields_off_scan(gray: np.ndarray, spec: FormSpec, homography: np.ndarray, dpi: int
                     ) -> list[str]:
    """Keys of the fields that lie, even in part, outside the scanned image: their ink is
    lost, and read as blank they would look sure."""
    inverse = np.linalg.inv(homography)
    height, width = gray.shape
    off = []
    for field in spec.fields:
        x, y, w, h = (mm_to_px(v, dpi) for v in field.box)
        corners = np.array([[[x, y], [x + w, y], [x + w, y + h], [x, y + h]]])
        scan = cv2.perspectiveTransform(corners, inverse)[0]
        if scan.min() < 0 or np.any(scan[:, 0] > width - 1) or np.any(scan[:, 1] > height - 1):
            off.append(field.key)
    return off


def _by_content(gray: np.ndarray, forms: Mapping[str, FormSpec], printing: FormSpec | None,
                dpi: int) -> Registration:
    """The page fitted by its print onto the QR's printing, or onto whichever form it shows
    when no QR was read."""
    candidates = list(forms.values()) if printing is None else [forms[printing.form_id]]
    fit = fit_by_content(gray, candidates, dpi)
    marks = _marks_check(gray, fit, dpi)
    if marks is not None and marks[1]:
        raise RegistrationError(f"the page does not fit form {fit.spec.form_id}: its {marks[1]} "
                                "corner mark lies away from where its print puts it; it may be "
                                "folded or crumpled")
    off = _fields_off_scan(gray, fit.spec, fit.homography, dpi)
    if off:
        raise RegistrationError(f"the scan misses part of form {fit.spec.form_id} ({len(off)} "
                                f"fields, {', '.join(off[:3])}{' …' if len(off) > 3 else ''}): "
                                "scan the whole sheet again")
    error_px = fit.residual_px if marks is None else marks[0]
    return _warp(gray, printing or fit.spec, fit.homography, error_px, "content", dpi)


def _read_qr(gray: np.ndarray, forms: Mapping[str, FormSpec], scales: tuple[float, ...]
             ) -> tuple[FormSpec, np.ndarray, str] | None:
    """The printing the page's QR names, the symbol's corners and its text; None when no
    form QR is read (a QR of something else counts as none)."""
    found = _find_qr(gray, scales)
    printing = None if found is None else _identify(found[0], forms)
    return None if found is None or printing is None else (printing, found[1], found[0])


def _quick_scale(gray: np.ndarray) -> float:
    """The scale at which the QR is read at a glance (QUICK_QR_LONG_SIDE_PX)."""
    return min(1.0, QUICK_QR_LONG_SIDE_PX / max(gray.shape))


def _read_qr_quick(gray: np.ndarray, forms: Mapping[str, FormSpec], quick: float
                   ) -> tuple[FormSpec, np.ndarray, str] | None:
    """`_read_qr` at the `quick` scale, looking where the forms print the QR first (see
    QR_SEARCH_MARGIN_MM): the whole page is read only when no window holds a form QR."""
    for window in _qr_windows(gray.shape, forms):
        found = _find_qr_in(gray, quick, window)
        printing = None if found is None else _identify(found[0], forms)
        if found is not None and printing is not None:
            return printing, found[1], found[0]
    return _read_qr(gray, forms, (quick,))


def register(image: np.ndarray, forms: Mapping[str, FormSpec], dpi: int) -> Registration:
    """Identify the form and warp the page onto it; RegistrationError says why not.

    Cheapest first: a QR read at a glance (where the forms print it, then on the whole
    page: QR_SEARCH_MARGIN_MM), then its marks; a page whose QR is not read at a glance goes
    to its print, and only when the print does not tell is the QR read harder (see
    QUICK_QR_LONG_SIDE_PX)."""
    gray = _smooth_if_bilevel(to_gray(image))
    quick = _quick_scale(gray)
    read = _read_qr_quick(gray, forms, quick)
    if read is None:
        try:
            return _with_registered_qr(_by_content(gray, forms, None, dpi), dpi)
        except RegistrationError as error:
            thorough = tuple(scale for scale in THOROUGH_QR_SCALES if scale != quick)
            read = _read_qr(gray, forms, thorough)
            if read is None:
                raise RegistrationError(f"no form QR code found, and {error}") from error
    printing, qr_corners, text = read
    by_marks = _fit_by_marks(gray, printing, qr_corners, dpi)
    if not isinstance(by_marks, str):
        share = agreement(gray, forms[printing.form_id], by_marks[0], dpi)
        if share >= MIN_AGREEMENT:
            return replace(_warp(gray, printing, *by_marks, "marks", dpi), qr_text=text)
        by_marks = f"the corner marks fit but only {share:.0%} of the print does"
    try:
        return replace(_by_content(gray, forms, printing, dpi), qr_text=text)
    except RegistrationError as error:
        raise RegistrationError(f"{by_marks}, and {error}") from error


def _with_registered_qr(registration: Registration, dpi: int) -> Registration:
    """The page fitted by its print, with what its QR carries when the QR, read where the
    form prints it on the fitted page, names that very form (REGISTERED_QR_SCALES), and as
    the printing the QR names (an earlier one prints some fields otherwise)."""
    x, y, w, h = (round(mm_to_px(v, dpi)) for v in registration.spec.qr)
    margin = round(mm_to_px(REGISTERED_QR_MARGIN_MM, dpi))
    cut = registration.image[max(0, y - margin):y + h + margin, max(0, x - margin):x + w + margin]
    detector = cv2.QRCodeDetectorAruco()
    for scale in REGISTERED_QR_SCALES:
        scaled = cut if scale == 1.0 else cv2.resize(cut, None, fx=scale, fy=scale,
                                                     interpolation=cv2.INTER_CUBIC)
        text, _, _ = detector.detectAndDecode(scaled)
        parsed = parse_qr_payload(text) if text else None
        if parsed is not None and parsed[0] == registration.spec.form_id:
            printing = registration.spec.printing(parsed[1]) or registration.spec
            return replace(registration, spec=printing, qr_text=text)
    return registration


def _warp(gray: np.ndarray, spec: FormSpec, homography: np.ndarray, fit_error: float,
          method: Method, dpi: int) -> Registration:
    size = (round(mm_to_px(spec.page_mm[0], dpi)), round(mm_to_px(spec.page_mm[1], dpi)))
    registered = cv2.warpPerspective(gray, homography, size, flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return Registration(spec, registered, fit_error, homography, method)
