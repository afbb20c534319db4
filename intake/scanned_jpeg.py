"""A PDF page that is nothing but the scanner's JPEG, taken out as it is instead of drawn.

A multifunction printer's PDF is usually one JPEG per page, placed upright over the whole
page. Drawing such a page at the resolution it was scanned at gives back the same pixels,
decoded and encoded again: 0.19-0.28 s of poppler and PNG per page, about a third of what a
page costs the workers. Taking the JPEG out costs a few milliseconds and keeps the scan
exactly as sent, colour and all, as a single JPEG upload is kept. Anything else on the page
(text, a second image, a mask, a rotation, another resolution, another colour model) and
the page is drawn by poppler as before.
"""

from __future__ import annotations

import io
import math
from collections import OrderedDict
from pathlib import Path
from threading import Lock
from typing import cast

import cv2
import numpy as np
from PIL import ExifTags, Image
from pypdf import PageObject, PdfReader
from pypdf.generic import ContentStream, DictionaryObject, EncodedStreamObject, IndirectObject

PLACINGS = ((b"q", b"cm", b"Do", b"Q"), (b"cm", b"Do"))
"""The only content a page holding one placed image has: the image's matrix, then the image
(in a saved graphics state or not)."""
UPRIGHT = 1
"""EXIF Orientation of a JPEG shown as stored: poppler ignores the tag where OpenCV turns the
image by it, so a JPEG carrying another is drawn by poppler."""
PLAIN_COLOURS = {"/DeviceGray": "L", "/DeviceRGB": "RGB"}
"""The colour spaces kept, and the mode the JPEG itself must then be in (not CMYK, say)."""
POINT_SLACK = 0.5
"""How far (in points) the image's placement may be from the page's edges."""
DPI_SLACK = 0.01
"""How far the scan's resolution may be from the one pages are drawn at (1 %: a 300 dpi
A4 page a few pixels off either way)."""
INHERITABLE = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
"""A page's entries that it may take from the page tree above it (PDF 32000-1, 7.7.3.4)."""
FILES_REMEMBERED = 4
"""Files whose pages' places a process keeps (see _page): the files it is splitting now."""
PageRef = tuple[int, int] | None
_page_refs: OrderedDict[tuple[int, int, int, int], tuple[PageRef, ...]] = OrderedDict()
_page_refs_lock = Lock()


def scanned_jpeg(path: Path, number: int, dpi: int) -> bytes | None:
    """The JPEG that is page `number` (from 1), when the page is only that JPEG, upright,
    over the whole page, scanned at `dpi` and decodable; None for any other page."""
    try:
        with path.open("rb") as handle:  # read where needed: given a path, pypdf reads it all
            reader = PdfReader(handle)
            page = _page(reader, path, number)
            if int(page.get("/Rotate", 0) or 0) % 360 or "/Annots" in page:
                return None
            operations = ContentStream(page.get_contents(), reader).operations
            if tuple(operator for _, operator in operations) not in PLACINGS:
                return None
            matrix, name = (operands for operands, operator in operations
                            if operator in (b"cm", b"Do"))
            resources = cast(DictionaryObject, page["/Resources"].get_object())
            images = cast(DictionaryObject, resources["/XObject"].get_object())
            image = cast(EncodedStreamObject, images[name[0]].get_object())
            box = page.mediabox
            if not _covers(matrix, box) or not _plain_jpeg(image) or not _at(dpi, image, box):
                return None
            data = image.get_data()
            size = (cast(int, image["/Width"]), cast(int, image["/Height"]))
            mode = PLAIN_COLOURS[cast(str, image["/ColorSpace"])]
            return data if _decodes(data, size, mode) else None
    except Exception:  # noqa: BLE001 - any surprise in the PDF or the JPEG: poppler draws it
        return None


def _page(reader: PdfReader, path: Path, number: int) -> PageObject:
    """Page `number` (from 1) of the file at `path`, opened by `reader`.

    pypdf finds a page by reading every page's object (to pass down what pages inherit from
    the tree): 12 ms for 200 pages, and again for each page split, each in its own task. So
    a process keeps where each page's object is, per file, and makes a page from its object
    alone; a page that inherits an entry from the tree is taken from pypdf's list."""
    identity = _identity(path)
    with _page_refs_lock:
        refs = _page_refs.get(identity)
        if refs is not None:
            _page_refs.move_to_end(identity)
    if refs is None:
        refs = tuple(_own_place(page) for page in reader.pages)
        with _page_refs_lock:
            _page_refs[identity] = refs
            while len(_page_refs) > FILES_REMEMBERED:
                _page_refs.popitem(last=False)
    ref = refs[number - 1]
    if ref is None:
        return reader.pages[number - 1]
    return PageObject(reader, IndirectObject(*ref, reader))


def _identity(path: Path) -> tuple[int, int, int, int]:
    status = path.stat()
    return status.st_dev, status.st_ino, status.st_mtime_ns, status.st_size


def _own_place(page: PageObject) -> PageRef:
    """Where `page`'s object is, when it holds every entry the page has (nothing inherited)."""
    reference = page.indirect_reference
    if reference is None:
        return None
    own = cast(DictionaryObject, reference.get_object())
    if any((key in own) != (key in page) for key in INHERITABLE):
        return None
    return reference.idnum, reference.generation


def _covers(matrix: list, box) -> bool:  # noqa: ANN001 - pypdf's number and box types
    a, b, c, d, e, f = (float(value) for value in matrix)
    return (b == 0 and c == 0 and abs(a - float(box.width)) <= POINT_SLACK
            and abs(d - float(box.height)) <= POINT_SLACK
            and abs(e - float(box.left)) <= POINT_SLACK
            and abs(f - float(box.bottom)) <= POINT_SLACK)


def _plain_jpeg(image) -> bool:  # noqa: ANN001 - a pypdf stream object
    filters = image.get("/Filter")
    if isinstance(filters, list):
        filters = filters[0] if len(filters) == 1 else None
    return (image.get("/Subtype") == "/Image" and filters == "/DCTDecode"
            and image.get("/ColorSpace") in PLAIN_COLOURS
            and int(image.get("/BitsPerComponent", 0)) == 8
            and not any(key in image for key in ("/SMask", "/Mask", "/Decode", "/ImageMask",
                                                  "/DecodeParms", "/OC")))


def _at(dpi: int, image, box) -> bool:  # noqa: ANN001
    across = int(image["/Width"]) / (float(box.width) / 72)
    down = int(image["/Height"]) / (float(box.height) / 72)
    return all(math.isclose(value, dpi, rel_tol=DPI_SLACK) for value in (across, down))


def _decodes(data: bytes, size: tuple[int, int], mode: str) -> bool:
    """The JPEG's own header is read first: one claiming another size or colours than the
    PDF says, or turned by its EXIF tag, is never decoded (a header may claim any size)."""
    with Image.open(io.BytesIO(data)) as header:
        if header.format != "JPEG" or header.size != size or header.mode != mode \
                or header.getexif().get(ExifTags.Base.Orientation, UPRIGHT) != UPRIGHT:
            return False
    # decoded at an eighth of its size: every coded block is still read (so a truncated or
    # damaged JPEG fails alike), but not transformed back to pixels, at half the time
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8)
    return pixels is not None and pixels.shape[1::-1] == tuple(-(-side // 8) for side in size)
