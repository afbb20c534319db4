"""Turning one uploaded file into page images, checking it on the way.

Every check that can refuse a file runs on the stored file before the upload is answered and
costs no rendering (a 200-page scan is checked in a tenth of a second); each page is then
rendered alone, by the queue (intake.splitting), so a 500-page PDF never sits in memory
whole and a page that cannot be rendered fails by itself. A PDF's page sizes are
taken from poppler, the program that renders them: pypdf and poppler read a damaged or
crafted page dictionary differently (a negative box, a second /MediaBox), and a limit checked
on what pypdf reads does not hold for what poppler draws.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageSequence, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from intake.errors import UploadRejected
from intake.filetypes import JPEG, PDF, PNG, sniff
from intake.scanned_jpeg import scanned_jpeg
from models.settings import Settings


@dataclass(frozen=True)
class Inspected:
    filename: str
    media_type: str
    page_count: int

    @property
    def kept_as_sent(self) -> bool:
        """A single PNG or JPEG is its own page image (KEPT_AS_SENT): nothing to render."""
        return self.media_type in KEPT_AS_SENT and self.page_count == 1


PDFINFO_TIMEOUT = 60
"""Seconds poppler may take to list a file's page boxes; far more than a 500-page scan needs."""
_MEDIA_BOX = re.compile(r"^Page\s+(\d+)\s+MediaBox:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$")
SNIFF_BYTES = 1024
"""How much of a file's start tells its type (ocr.filetypes looks in the first kilobyte)."""
EOF_WINDOW = 2048


def _pdfinfo_boxes(filename: str, path: Path, count: int) -> str:
    """`pdfinfo -box` of pages 1..count: poppler's own reading of every page's boxes."""
    program = shutil.which("pdfinfo")
    if program is None:
        raise RuntimeError("poppler-utils is not installed")
    try:
        done = subprocess.run([program, "-f", "1", "-l", str(count), "-box", str(path)],
                              capture_output=True, timeout=PDFINFO_TIMEOUT, check=False,
                              env={**os.environ, "LC_ALL": "C"})  # a point, not a comma
    except subprocess.TimeoutExpired as error:
        raise UploadRejected(f"{filename}: the PDF's pages cannot be measured") from error
    if done.returncode != 0:
        raise UploadRejected(f"{filename}: the PDF is damaged and cannot be read")
    return done.stdout.decode("utf-8", "replace")


def rendered_sizes(filename: str, path: Path, count: int) -> list[tuple[float, float]]:
    """Width and height in points of each page as poppler renders it: its MediaBox, which
    pdftoppm draws whole (the crop box is not used), after poppler's own repair of the page
    dictionary. A page poppler cannot measure is refused: it could not be rendered either."""
    sizes: dict[int, tuple[float, float]] = {}
    for line in _pdfinfo_boxes(filename, path, count).splitlines():
        found = _MEDIA_BOX.match(line)
        if found is None:
            continue
        try:
            x1, y1, x2, y2 = (float(found.group(i)) for i in range(2, 6))
        except ValueError:
            continue
        sizes[int(found.group(1))] = (abs(x2 - x1), abs(y2 - y1))
    for number in range(1, count + 1):
        size = sizes.get(number)
        if size is None or not all(math.isfinite(side) for side in size):
            raise UploadRejected(f"{filename}: page {number} of the PDF cannot be rendered")
    return [sizes[number] for number in range(1, count + 1)]


def _too_many_pixels(filename: str, number: int, width: int, height: int,
                     settings: Settings) -> UploadRejected:
    return UploadRejected(
        f"{filename}: page {number} is far larger than a form ({width}×{height} pixels at "
        f"{settings.pdf_dpi} dpi, more than the {settings.max_image_pixels} allowed)", 413)


def _ends_with_eof(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - EOF_WINDOW))
        return b"%%EOF" in handle.read()


def _check_pdf(filename: str, path: Path, settings: Settings) -> int:
    if not _ends_with_eof(path):
        raise UploadRejected(f"{filename}: the PDF is truncated (it has no end-of-file marker)")
    try:
        with path.open("rb") as handle:  # read where needed: given a path, pypdf reads it all
            reader = PdfReader(handle)
            if reader.is_encrypted:
                raise UploadRejected(f"{filename}: the PDF is encrypted; save it without a "
                                     "password and upload again")
            count = len(reader.pages)
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
    scale = settings.pdf_dpi / 72
    for number, (width, height) in enumerate(rendered_sizes(filename, path, count), start=1):
        pixels = (math.ceil(width * scale), math.ceil(height * scale))
        if pixels[0] * pixels[1] > settings.max_image_pixels:
            raise _too_many_pixels(filename, number, *pixels, settings)
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


def _open_image(filename: str, path: Path, settings: Settings) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = settings.max_image_pixels
    try:
        return Image.open(path)
    except Image.DecompressionBombError as error:
        raise UploadRejected(f"{filename}: the image is too large to be a scanned form", 413) \
            from error
    except (UnidentifiedImageError, OSError) as error:
        raise UploadRejected(f"{filename}: the image is damaged and cannot be read") from error


def inspect(filename: str, path: Path, settings: Settings) -> Inspected:
    """Refuse a file that cannot become pages; say how many pages it holds. Every page's
    size is checked, but only the first is decoded: the rest are decoded when rendered, and
    a damaged one then fails alone."""
    size = path.stat().st_size
    if size > settings.max_upload_bytes:
        raise UploadRejected(f"{filename}: larger than {settings.max_upload_bytes} bytes", 413)
    with path.open("rb") as handle:
        media_type = sniff(filename, handle.read(SNIFF_BYTES))
    if media_type == PDF:
        return Inspected(filename, media_type, _check_pdf(filename, path, settings))
    image = _open_image(filename, path, settings)
    count = 0
    try:
        for count, frame in enumerate(ImageSequence.Iterator(image), start=1):
            _check_image_size(filename, frame, settings, count)
            if count == 1:
                frame.load()
            if count > settings.max_pages_per_file:
                raise UploadRejected(f"{filename}: more than {settings.max_pages_per_file} pages",
                                     413)
    except UploadRejected:
        raise
    except (OSError, ValueError, SyntaxError, EOFError, KeyError) as error:
        raise UploadRejected(f"{filename}: the image is damaged and cannot be read") from error
    finally:
        image.close()
    return Inspected(filename, media_type, count)


PNG_COMPRESSION = 1
"""zlib level of stored page images: level 1 encodes a 300 dpi page in about half the time
of the default 6 (0.10 s against 0.18 s) for 15 % more bytes."""
COLOUR_MODES = frozenset({"RGB", "RGBA", "P", "PA", "CMYK", "YCbCr", "LAB", "HSV"})


def _png(pixels: np.ndarray) -> bytes:
    """The page (gray, or colour in OpenCV's BGR order) as PNG, in colour when it has any,
    else in gray: a colour scan keeps what tells blue ink and a red seal from black print,
    and a gray one costs a third of the bytes."""
    if pixels.ndim == 3 and np.array_equal(pixels[..., 0], pixels[..., 1]) \
            and np.array_equal(pixels[..., 1], pixels[..., 2]):
        pixels = pixels[..., 0]
    return bytes(cv2.imencode(".png", pixels, [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION])[1])


def _pixels(image: Image.Image) -> np.ndarray:
    """A decoded image frame as OpenCV's pixels: BGR for a colour mode, gray otherwise."""
    if image.mode in COLOUR_MODES:
        return cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR)
    return np.asarray(image.convert("L"))


KEPT_AS_SENT = (PNG, JPEG)
"""Single images of these types are stored as they were sent: every reader of a page image
(the OCR worker, the review screens) decodes PNG and JPEG alike, and decoding and encoding
the page again cost 0.13 s per page and kept nothing the scan did not hold."""


def render_page(inspected: Inspected, path: Path, number: int, settings: Settings) -> bytes:
    """Page `number` (from 1) of the stored file as PNG, in colour when it has any (or as
    the scanner's own JPEG, for a PDF page that is only that). A page that cannot be
    rendered raises UploadRejected with the reason a person will read."""
    if inspected.media_type != PDF:
        image = _open_image(inspected.filename, path, settings)
        try:
            image.seek(number - 1)
            _check_image_size(inspected.filename, image, settings, number)
            return _png(_pixels(image))
        except UploadRejected:
            raise
        except (OSError, ValueError, SyntaxError, EOFError, KeyError) as error:
            raise UploadRejected(
                f"{inspected.filename}: page {number} is damaged and cannot be read") from error
        finally:
            image.close()
    return _render_pdf_page(inspected, path, number, settings)


PDFTOPPM_TIMEOUT = 120
"""Seconds poppler may take to draw one page; a scanned page takes a fraction of one."""


def _render_pdf_page(inspected: Inspected, path: Path, number: int, settings: Settings) -> bytes:
    """One PDF page drawn by poppler straight to a pixel map and encoded by OpenCV: through
    pdf2image and Pillow a page cost 0.28-0.39 s (another pdfinfo call per page, a slower
    encoder), this way 0.19-0.28 s, for the same pixels. A page that is only the scanner's
    JPEG is not drawn at all: the JPEG is kept as it is (intake.scanned_jpeg)."""
    scan = scanned_jpeg(path, number, settings.pdf_dpi)
    if scan is not None:
        return scan
    program = shutil.which("pdftoppm")
    if program is None:
        raise RuntimeError("poppler-utils is not installed")
    try:
        done = subprocess.run([program, "-f", str(number), "-l", str(number), "-r",
                               str(settings.pdf_dpi), str(path)], capture_output=True,
                              timeout=PDFTOPPM_TIMEOUT, check=False)
    except subprocess.TimeoutExpired as error:
        raise UploadRejected(
            f"{inspected.filename}: page {number} of the PDF cannot be rendered") from error
    image = cv2.imdecode(np.frombuffer(done.stdout, np.uint8), cv2.IMREAD_UNCHANGED) \
        if done.returncode == 0 and done.stdout else None
    if image is None:
        raise UploadRejected(f"{inspected.filename}: page {number} of the PDF cannot be rendered")
    height, width = image.shape[:2]
    if width * height > settings.max_image_pixels:
        # poppler drew more than it measured: refuse before the page is kept anywhere
        raise _too_many_pixels(inspected.filename, number, width, height, settings)
    return _png(image)
