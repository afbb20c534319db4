"""Simulates the scanners pages come from: a clean desk scanner, an office MFP, a fax.

Each quality draws per-page parameters (kept in the truth JSON so tests can pick hard pages)
and `scan` applies them to a 300 dpi page: skew, shift, scale, resolution, pages fed upside
down, edge shadows, noise, blur, and the file format's loss (JPEG, or 1-bit for fax).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ocr.geometry import mm_to_px


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
    """Scan area beyond A4 on each side, so that a skewed sheet keeps its corners."""


QUALITIES = {
    "clean": Quality((300,), 1.0, 1.0, 0.0, 0.0, 3.0, (0.0, 0.0), None, 0.0, 0.0, 250, 235, 0.0),
    "office": Quality((200, 300), 3.0, 3.0, 0.02, 0.1, 6.0, (0.3, 0.8), (60, 85), 0.0, 0.0,
                      246, 228, 8.0),
    "poor": Quality((200,), 5.0, 4.0, 0.03, 0.1, 14.0, (0.6, 1.3), (35, 55), 0.3, 0.5, 232,
                    256, 14.0),
}
FAX_LEVEL = 150
SHADOW_MM = (6.0, 18.0)


@dataclass(frozen=True)
class ScanParams:
    """How one page was scanned."""

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


def draw_params(rng: np.random.Generator, quality: str) -> ScanParams:
    """Random parameters within the limits of `quality`."""
    q = QUALITIES[quality]
    fax = bool(rng.random() < q.fax_rate)
    shadow = rng.random() < q.shadow_rate
    return ScanParams(
        quality=quality,
        dpi=int(rng.choice(q.dpis)),
        angle_deg=round(float(rng.uniform(-q.max_angle_deg, q.max_angle_deg)), 3),
        shift_mm=tuple(round(float(v), 3) for v in rng.uniform(-q.max_shift_mm, q.max_shift_mm,
                                                               size=2)),
        scale=round(1 + float(rng.uniform(-q.max_scale_change, q.max_scale_change)), 4),
        upside_down=bool(rng.random() < q.upside_down_rate),
        blur_sigma=round(float(rng.uniform(*q.blur_sigma)), 3),
        jpeg_quality=None if fax or q.jpeg_quality is None else int(rng.integers(*q.jpeg_quality)),
        fax=fax,
        shadow_edge=str(rng.choice(["left", "right", "top", "bottom"])) if shadow else None,
    )


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


def scan(page: np.ndarray, params: ScanParams, rng: np.random.Generator, page_dpi: int
         ) -> np.ndarray:
    """The grayscale page as the scanner delivers it, at `params.dpi`: A4 plus the quality's
    margin, the scanner's lid (white) outside the sheet."""
    q = QUALITIES[params.quality]
    ratio = params.dpi / page_dpi
    margin = 2 * mm_to_px(q.margin_mm, params.dpi)
    height = round(page.shape[0] * ratio + margin)
    width = round(page.shape[1] * ratio + margin)
    paper = page.astype(np.float32) * (q.paper / 255.0)
    matrix = cv2.getRotationMatrix2D((page.shape[1] / 2, page.shape[0] / 2), params.angle_deg,
                                     params.scale * ratio)
    matrix[0, 2] += mm_to_px(params.shift_mm[0], params.dpi) + (width - page.shape[1]) / 2
    matrix[1, 2] += mm_to_px(params.shift_mm[1], params.dpi) + (height - page.shape[0]) / 2
    image = cv2.warpAffine(paper, matrix, (width, height), flags=cv2.INTER_AREA
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


def encode(image: np.ndarray, params: ScanParams) -> tuple[str, bytes]:
    """The file suffix and bytes the scanner writes: JPEG when lossy, PNG (1-bit for fax)."""
    if params.jpeg_quality is not None:
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, params.jpeg_quality])
        return ".jpg", data.tobytes()
    flags = [cv2.IMWRITE_PNG_COMPRESSION, 6] + ([cv2.IMWRITE_PNG_BILEVEL, 1] if params.fax else [])
    ok, data = cv2.imencode(".png", image, flags)
    return ".png", data.tobytes()
