"""Page images as the screens need them: whole, as a thumbnail, or one field's crop.

The screens show the registered page (straightened onto the form, so the field boxes fall
on the writing) when the reader made one, and the scan as uploaded otherwise; in colour when
it has any (a red seal, blue ink), in gray otherwise.
"""

from __future__ import annotations

import cv2
import numpy as np

from models import Page, blobs

CROP_MARGIN_PX = 24
"""Context around a field's box, so a reviewer sees what touches its edges."""


class ImageMissing(Exception):
    pass


def _load(page: Page) -> np.ndarray:
    if page.image_purged_at is not None:
        raise ImageMissing(f"the images of page {page.id} were deleted after the retention "
                           "period; its values are kept")
    shown = page.registered_sha256 or page.image_sha256
    if shown is None:
        raise ImageMissing(f"page {page.id} has not been split from its file yet")
    try:
        data = blobs.read(shown)
    except FileNotFoundError:
        data = b""
    # 8-bit, in the file's own colours: gray stays one channel (a third of the JPEG to send)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_ANYCOLOR) if data else None
    if image is None:
        raise ImageMissing(f"the image of page {page.id} is missing from the store")
    return image


def _jpeg(image: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


def page_jpeg(page: Page, width: int | None = None) -> bytes:
    image = _load(page)
    if width and width < image.shape[1]:
        scale = width / image.shape[1]
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return _jpeg(image)


def field_jpeg(page: Page, box: list[int]) -> bytes:
    image = _load(page)
    x, y, w, h = box
    top, left = max(0, y - CROP_MARGIN_PX), max(0, x - CROP_MARGIN_PX)
    return _jpeg(image[top:y + h + CROP_MARGIN_PX, left:x + w + CROP_MARGIN_PX])
