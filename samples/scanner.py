"""Simulates how pages reach the reader: a clean desk scanner, an office MFP, a fax, a phone.

Each quality draws per-page parameters (kept in the truth JSON so tests can pick hard pages)
and `scan` applies them to a 300 dpi page: skew, shift, scale, resolution, pages fed upside
down, edge shadows, noise, blur, and the file format's loss (JPEG, or 1-bit for fax). A
`photo` is a phone's picture of the sheet lying on a desk: perspective, uneven light and a
soft shadow, lens blur, a lower effective resolution, JPEG, and the desk around the sheet.
Parts of the sheet that are torn or cut off (see samples/damage.py) show what is behind it:
the scanner's white lid, or the desk.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.fieldmap import Box
from ocr.geometry import mm_to_px

A4_MM = (210.0, 297.0)
"""Every form is A4; photo geometry is drawn before the page is known."""


@dataclass(frozen=True)
class Quality:
    """The limits a quality draws its page parameters within."""

    dpis: tuple[int, ...]
    max_angle_deg: float
    max_shift_mm: float
    max_scale_change: float
    upside_down_rate: float
    noise_sigma: float
    blur_sigma: tuple[float, float]
    jpeg_quality: tuple[int, int] | None
    fax_rate: float
    shadow_rate: float
    paper: int
    """Gray level of the paper before the scanner's white point lifts it."""
    white_point: int
    """Levels at or above this come out as pure white (the scanner's background removal)."""
    margin_mm: float
    """Scan area beyond A4 on each side, so that a skewed sheet keeps its corners (for a
    photo: the least desk seen beyond the sheet)."""


QUALITIES = {
    "clean": Quality((300,), 1.0, 1.0, 0.0, 0.0, 3.0, (0.0, 0.0), None, 0.0, 0.0, 250, 235, 0.0),
    "office": Quality((200, 300), 3.0, 3.0, 0.02, 0.1, 6.0, (0.3, 0.8), (60, 85), 0.0, 0.0,
                      246, 228, 8.0),
    "poor": Quality((200,), 5.0, 4.0, 0.03, 0.1, 14.0, (0.6, 1.3), (35, 55), 0.3, 0.5, 232,
                    256, 14.0),
    "photo": Quality((150, 175, 200), 4.0, 0.0, 0.0, 0.0, 4.0, (0.5, 1.2), (70, 92), 0.0, 0.0,
                     235, 256, 8.0),
}
FAX_LEVEL = 150
SHADOW_MM = (6.0, 18.0)
PERSPECTIVE = (0.01, 0.05)
"""Corner displacement of a photo as a share of the page's width and height: a phone held
by hand over a desk gives 1-5 % (the issue saw 3 % fail half the pages)."""
DESK_MM = (0.0, 18.0)
"""Desk seen beyond the sheet, over the quality's least margin and the perspective's room."""
QUIET_LOSS_MM = (-2.5, 0.4)
"""Where a shifted page's edge of the capture area falls, from the QR's outer edge: 2.5 mm
outside it (the 4-module quiet zone is about 2.9 mm) to 40 % into the symbol."""


@dataclass(frozen=True)
class PhotoParams:
    """How a phone saw the sheet."""

    size_px: tuple[int, int]
    """Width and height of the picture."""
    corners_px: tuple[tuple[float, float], ...]
    """Where the page's top-left, top-right, bottom-right and bottom-left corners are."""
    offsets: tuple[tuple[float, float], ...]
    """Each corner's push off the square, as a share of the page's width and height."""
    perspective: float
    margin_mm: float
    light_angle_deg: float
    light_falloff: float
    """Share of brightness lost from the lit side to the far side."""
    shadow: float
    """Brightness left in the soft shadow (1.0: none)."""
    paper_level: int
    black_level: int
    desk_level: int


@dataclass(frozen=True)
class ScanParams:
    """How one page was scanned (or photographed)."""

    quality: str
    dpi: int
    angle_deg: float
    shift_mm: tuple[float, float]
    scale: float
    upside_down: bool
    blur_sigma: float
    jpeg_quality: int | None
    fax: bool
    shadow_edge: str | None
    photo: PhotoParams | None = None


def _corners(dpi: int, margin_mm: float, angle_deg: float, shift_mm: tuple[float, float],
             offsets: np.ndarray) -> tuple[tuple[int, int], tuple[tuple[float, float], ...]]:
    """The picture's size and the page corners in it: the sheet centred with `margin_mm` of
    desk round it, turned, shifted, each corner pushed by its `offsets` (share of page)."""
    width, height = (mm_to_px(side, dpi) for side in A4_MM)
    margin = mm_to_px(margin_mm, dpi)
    size = (round(width + 2 * margin), round(height + 2 * margin))
    centre = (size[0] / 2 + mm_to_px(shift_mm[0], dpi), size[1] / 2 + mm_to_px(shift_mm[1], dpi))
    angle = math.radians(angle_deg)
    corners = []
    for (sx, sy), (ox, oy) in zip(((-1, -1), (1, -1), (1, 1), (-1, 1)), offsets, strict=True):
        x, y = sx * width / 2 + ox * width, sy * height / 2 + oy * height
        corners.append((round(centre[0] + x * math.cos(angle) - y * math.sin(angle), 2),
                        round(centre[1] + x * math.sin(angle) + y * math.cos(angle), 2)))
    return size, tuple(corners)


def _photo_params(rng: np.random.Generator, dpi: int, angle_deg: float) -> PhotoParams:
    q = QUALITIES["photo"]
    perspective = float(rng.uniform(*PERSPECTIVE))
    offsets = np.round(rng.uniform(-perspective, perspective, size=(4, 2)), 5)
    margin = q.margin_mm + perspective * A4_MM[1] + float(rng.uniform(*DESK_MM))
    size, corners = _corners(dpi, margin, angle_deg, (0.0, 0.0), offsets)
    paper = int(rng.integers(195, 240))
    return PhotoParams(
        size_px=size, corners_px=corners,
        offsets=tuple((round(float(x), 5), round(float(y), 5)) for x, y in offsets),
        perspective=round(perspective, 4),
        margin_mm=round(margin, 2), light_angle_deg=round(float(rng.uniform(0, 360)), 1),
        light_falloff=round(float(rng.uniform(0.08, 0.35)), 3),
        shadow=round(float(rng.uniform(0.55, 0.85)) if rng.random() < 0.6 else 1.0, 3),
        paper_level=paper, black_level=int(rng.integers(25, 70)),
        desk_level=int(rng.integers(50, 170)),
    )


def draw_params(rng: np.random.Generator, quality: str) -> ScanParams:
    """Random parameters within the limits of `quality`."""
    q = QUALITIES[quality]
    fax = bool(rng.random() < q.fax_rate)
    shadow = rng.random() < q.shadow_rate
    dpi = int(rng.choice(q.dpis))
    angle = round(float(rng.uniform(-q.max_angle_deg, q.max_angle_deg)), 3)
    shift_x, shift_y = (round(float(v), 3)
                        for v in rng.uniform(-q.max_shift_mm, q.max_shift_mm, size=2))
    return ScanParams(
        quality=quality,
        dpi=dpi,
        angle_deg=angle,
        shift_mm=(shift_x, shift_y),
        scale=round(1 + float(rng.uniform(-q.max_scale_change, q.max_scale_change)), 4),
        upside_down=bool(rng.random() < q.upside_down_rate),
        blur_sigma=round(float(rng.uniform(*q.blur_sigma)), 3),
        jpeg_quality=None if fax or q.jpeg_quality is None else int(rng.integers(*q.jpeg_quality)),
        fax=fax,
        shadow_edge=str(rng.choice(["left", "right", "top", "bottom"])) if shadow else None,
        photo=_photo_params(rng, dpi, angle) if quality == "photo" else None,
    )


def shifted_off_edge(params: ScanParams, target: Box, rng: np.random.Generator
                     ) -> ScanParams:
    """`params` with the sheet pushed towards the page edge nearest to `target` (the QR),
    so far that the capture area's edge falls in the target's quiet zone or on the target
    itself: a sheet laid crooked on the glass or fed askew."""
    margin = params.photo.margin_mm if params.photo else QUALITIES[params.quality].margin_mm
    x, y, w, h = target
    gaps = {"top": y, "right": A4_MM[0] - x - w, "left": x, "bottom": A4_MM[1] - y - h}
    edge = min(gaps, key=gaps.__getitem__)
    size = w if edge in ("left", "right") else h
    depth = margin + gaps[edge] + float(rng.uniform(*QUIET_LOSS_MM)) + (
        float(rng.uniform(0, 0.4)) * size if rng.random() < 0.5 else 0.0)
    dx, dy = {"top": (0, -depth), "bottom": (0, depth), "left": (-depth, 0),
              "right": (depth, 0)}[edge]
    shift = (round(params.shift_mm[0] + dx, 3), round(params.shift_mm[1] + dy, 3))
    if params.photo is None:
        return dataclasses.replace(params, shift_mm=shift)
    _, corners = _corners(params.dpi, params.photo.margin_mm, params.angle_deg, shift,
                          np.array(params.photo.offsets))
    return dataclasses.replace(params, shift_mm=shift,
                               photo=dataclasses.replace(params.photo, corners_px=corners))


def _shadow(image: np.ndarray, edge: str, width_px: int) -> np.ndarray:
    """Darken one edge, as a book-like bulge or an open lid does, fading inwards."""
    ramp = np.linspace(0.45, 1.0, width_px, dtype=np.float32)
    factor = np.ones(image.shape, np.float32)
    if edge == "left":
        factor[:, :width_px] = ramp[None, :]
    elif edge == "right":
        factor[:, -width_px:] = ramp[::-1][None, :]
    elif edge == "top":
        factor[:width_px, :] = ramp[:, None]
    else:
        factor[-width_px:, :] = ramp[::-1][:, None]
    return image * factor


def scan(page: np.ndarray, params: ScanParams, rng: np.random.Generator, page_dpi: int,
         sheet: np.ndarray | None = None) -> np.ndarray:
    """The grayscale page as the scanner delivers it, at `params.dpi`: A4 plus the quality's
    margin, the scanner's lid (white) outside the sheet. `sheet` (255 paper, 0 none) marks
    what is left of a torn or cut sheet."""
    if params.photo is not None:
        return _photograph(page, params, rng, page_dpi, sheet)
    q = QUALITIES[params.quality]
    ratio = params.dpi / page_dpi
    margin = 2 * mm_to_px(q.margin_mm, params.dpi)
    height = round(page.shape[0] * ratio + margin)
    width = round(page.shape[1] * ratio + margin)
    paper = page.astype(np.float32) * (q.paper / 255.0)
    if sheet is not None:
        paper[sheet == 0] = 255.0
    matrix = cv2.getRotationMatrix2D((page.shape[1] / 2, page.shape[0] / 2), params.angle_deg,
                                     params.scale * ratio)
    matrix[0, 2] += mm_to_px(params.shift_mm[0], params.dpi) + (width - page.shape[1]) / 2
    matrix[1, 2] += mm_to_px(params.shift_mm[1], params.dpi) + (height - page.shape[0]) / 2
    image: np.ndarray = cv2.warpAffine(paper, matrix, (width, height), flags=cv2.INTER_AREA
                                       if ratio < 1 else cv2.INTER_LINEAR,
                                       borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    if params.upside_down:
        image = cv2.rotate(image, cv2.ROTATE_180)
    if params.shadow_edge:
        width_mm = float(rng.uniform(*SHADOW_MM))
        image = _shadow(image, params.shadow_edge, round(mm_to_px(width_mm, params.dpi)))
    if params.blur_sigma > 0:
        image = cv2.GaussianBlur(image, (0, 0), params.blur_sigma)
    image += rng.normal(0.0, q.noise_sigma, size=image.shape).astype(np.float32)
    image = image * (255.0 / min(q.white_point, 255))
    gray = np.clip(image, 0, 255).astype(np.uint8)
    if params.fax:
        return np.where(gray < FAX_LEVEL, 0, 255).astype(np.uint8)
    return gray


def _smooth_noise(rng: np.random.Generator, size: tuple[int, int], cells: int) -> np.ndarray:
    """Noise varying over about a `cells`-th of the picture, zero mean, unit range."""
    small = rng.random((cells, cells), dtype=np.float32) - 0.5
    return cv2.resize(small, size, interpolation=cv2.INTER_CUBIC)


def _lighting(photo: PhotoParams, rng: np.random.Generator) -> np.ndarray:
    """Brightness over the picture: a falloff away from the light and, often, the soft
    shadow of the phone or the hand holding it, entering from one side."""
    width, height = photo.size_px
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = math.radians(photo.light_angle_deg)
    along = (xs * math.cos(angle) + ys * math.sin(angle))
    along = (along - along.min()) / max(float(along.max() - along.min()), 1.0)
    light = 1.0 - photo.light_falloff * along
    if photo.shadow < 1.0:
        side = math.radians(float(rng.uniform(0, 360)))
        nx, ny = math.cos(side), math.sin(side)
        reach = float(rng.uniform(0.15, 0.45)) * max(width, height)
        centre = (width / 2 + nx * (max(width, height) / 2 - reach),
                  height / 2 + ny * (max(width, height) / 2 - reach))
        distance = (xs - centre[0]) * nx + (ys - centre[1]) * ny
        softness = float(rng.uniform(0.02, 0.08)) * max(width, height)
        inside = 1.0 / (1.0 + np.exp(-distance / softness))
        light *= 1.0 - (1.0 - photo.shadow) * inside
    return light


def _photograph(page: np.ndarray, params: ScanParams, rng: np.random.Generator, page_dpi: int,
                sheet: np.ndarray | None) -> np.ndarray:
    photo = params.photo
    assert photo is not None
    ratio = params.dpi / page_dpi
    small = cv2.resize(page, None, fx=ratio, fy=ratio, interpolation=cv2.INTER_AREA)
    tone = photo.black_level + small.astype(np.float32) * (
        (photo.paper_level - photo.black_level) / 255.0)
    height, width = small.shape
    source = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, np.array(photo.corners_px, np.float32))
    size = photo.size_px
    seen = cv2.warpPerspective(tone, matrix, size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    paper = np.full(small.shape, 1.0, np.float32) if sheet is None else cv2.resize(
        sheet, (width, height), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    cover = cv2.warpPerspective(paper, matrix, size, flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    desk: np.ndarray = photo.desk_level * (1.0 + 0.25 * _smooth_noise(rng, size, 6)
                               + 0.08 * _smooth_noise(rng, size, 60))
    desk *= 1.0 - 0.35 * cv2.GaussianBlur(cover, (0, 0), mm_to_px(1.5, params.dpi))
    image = cover * seen + (1.0 - cover) * desk
    image *= _lighting(photo, rng)
    if params.blur_sigma > 0:
        image = cv2.GaussianBlur(image, (0, 0), params.blur_sigma)
    image += rng.normal(0.0, QUALITIES["photo"].noise_sigma, size=image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def encode(image: np.ndarray, params: ScanParams) -> tuple[str, bytes]:
    """The file suffix and bytes the scanner writes: JPEG when lossy, PNG (1-bit for fax)."""
    if params.jpeg_quality is not None:
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, params.jpeg_quality])
        return ".jpg", data.tobytes()
    flags = [cv2.IMWRITE_PNG_COMPRESSION, 6] + ([cv2.IMWRITE_PNG_BILEVEL, 1] if params.fax else [])
    ok, data = cv2.imencode(".png", image, flags)
    return ".png", data.tobytes()
