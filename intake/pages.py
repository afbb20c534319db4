"""Turning one uploaded file into page images, checking it on the way.

Every check that can refuse a file runs before its first page is rendered, and pages are
produced one at a time, so a 500-page PDF never sits in memory whole.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

from pdf2image import convert_from_bytes
from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFSyntaxError
from PIL import Image, ImageSequence, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from intake.errors import UploadRejected
from intake.filetypes import PDF, sniff
from models.settings import Settings


@dataclass(frozen=True)
class Inspected:
    filename: str
    media_type: str
    page_count: int


def _check_pdf(filename: str, data: bytes, settings: Settings) -> int:
    if b"%%EOF" not in data[-2048:]:
        raise UploadRejected(f"{filename}: the PDF is truncated (it has no end-of-file marker)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UploadRejected(
                f"{filename}: the PDF is encrypted; save it without a password and upload again"
            )
        pages = reader.pages
        count = len(pages)
        boxes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in pages]
    except UploadRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise UploadRejected(
            f"{filename}: the PDF is damaged and cannot be read ({error})") from error
    if count == 0:
        raise UploadRejected(f"{filename}: the PDF has no pages")
    if count > settings.max_pages_per_file:
        raise UploadRejected(
            f"{filename}: {count} pages is more than the {settings.max_pages_per_file} "
            "allowed in one file; split it", status=413,
        )
    for number, (width, height) in enumerate(boxes, start=1):
        pixels = (width / 72 * settings.pdf_dpi) * (height / 72 * settings.pdf_dpi)
        if pixels > settings.max_image_pixels:
            raise UploadRejected(f"{filename}: page {number} is far larger than a form", 413)
    return count


def _check_image_size(filename: str, image: Image.Image, settings: Settings, frame: int) -> None:
    width, height = image.size
    where = f" (page {frame})" if frame > 1 else ""
    if min(width, height) < settings.min_image_side:
        raise UploadRejected(
            f"{filename}{where}: the image is {width}×{height} pixels; a scanned form needs at "
            f"least {settings.min_image_side} pixels on each side"
        )
    if width * height > settings.max_image_pixels:
        raise UploadRejected(f"{filename}{where}: the image is {width}×{height} pixels, too "
                             "large for a scanned form", 413)


def _open_image(filename: str, data: bytes, settings: Settings) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = settings.max_image_pixels
    try:
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        raise UploadRejected(f"{filename}: the image is too large to be a scanned form", 413) \
            from error
    except (UnidentifiedImageError, OSError) as error:
        raise UploadRejected(f"{filename}: the image is damaged and cannot be read") from error


def inspect(filename: str, data: bytes, settings: Settings) -> Inspected:
    """Refuse a file that cannot become pages; say how many pages it holds."""
    if len(data) > settings.max_upload_bytes:
        raise UploadRejected(f"{filename}: larger than {settings.max_upload_bytes} bytes", 413)
    media_type = sniff(filename, data)
    if media_type == PDF:
        return Inspected(filename, media_type, _check_pdf(filename, data, settings))
    image = _open_image(filename, data, settings)
    count = 0
    try:
        for count, frame in enumerate(ImageSequence.Iterator(image), start=1):
            _check_image_size(filename, frame, settings, count)
            frame.load()
            if count > settings.max_pages_per_file:
                raise UploadRejected(f"{filename}: more than {settings.max_pages_per_file} pages",
                                     413)
    except UploadRejected:
        raise
    except (OSError, ValueError, SyntaxError) as error:
        raise UploadRejected(f"{filename}: the image is damaged and cannot be read") from error
    return Inspected(filename, media_type, count)


PNG_COMPRESSION = 1
"""zlib level of stored page images: level 1 encodes a 300 dpi page in about half the time
of the default 6 (0.10 s against 0.18 s) for 15 % more bytes, and uploads wait for it."""


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("L").save(buffer, format="PNG", compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


def render(inspected: Inspected, data: bytes, settings: Settings) -> Iterator[bytes]:
    """Page images as grayscale PNG, in order."""
    if inspected.media_type != PDF:
        image = _open_image(inspected.filename, data, settings)
        for frame in ImageSequence.Iterator(image):
            yield _png(frame)
        return
    for number in range(1, inspected.page_count + 1):
        try:
            (page,) = convert_from_bytes(data, dpi=settings.pdf_dpi, first_page=number,
                                         last_page=number, grayscale=True)
        except (PDFPageCountError, PDFSyntaxError, ValueError) as error:
            raise UploadRejected(
                f"{inspected.filename}: page {number} of the PDF cannot be rendered") from error
        except PDFInfoNotInstalledError as error:
            raise RuntimeError("poppler-utils is not installed") from error
        yield _png(page)
