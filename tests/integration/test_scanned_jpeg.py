"""A PDF page that is only the scanner's JPEG is kept as that JPEG, not drawn again; any
other page is drawn by poppler as before."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import ExifTags, Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
)
from reportlab.pdfgen import canvas

from intake.batches import create_batch, received
from intake.scanned_jpeg import scanned_jpeg
from intake.splitting import split_page
from models import Page, PageState, Role, User, blobs
from models.db import session_scope
from tests.inprocess import make_user
from tests.scans import sealed_scan

DPI = 300


def _scan(colour: bool, quality: int = 90) -> bytes:
    """An A5-sized scan at 300 dpi as a JPEG."""
    buffer = io.BytesIO()
    sealed_scan(colour, height=2480, width=1748).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _name(value: str) -> NameObject:
    return NameObject(value)


PLACED = "q {width:.3f} 0 0 {height:.3f} 0 0 cm /Scan Do Q"


def _scanner_pdf(jpegs: list[bytes], dpi: int = DPI, like: bytes | None = None,
                 content: str = PLACED, on_page: dict | None = None,
                 on_image: dict | None = None) -> bytes:
    """A PDF as a multifunction printer writes one: each page one JPEG placed over it (with
    the size and colours of `like`, for a JPEG too damaged to say its own; `content`,
    `on_page` and `on_image` change what a scanner would not write)."""
    writer = PdfWriter()
    for jpeg in jpegs:
        with Image.open(io.BytesIO(like or jpeg)) as probe:
            (width, height), mode = probe.size, probe.mode
        points = (width * 72 / dpi, height * 72 / dpi)
        page = writer.add_blank_page(*points)
        image = DecodedStreamObject()
        image.set_data(jpeg)
        image.update({
            _name("/Type"): _name("/XObject"), _name("/Subtype"): _name("/Image"),
            _name("/Width"): NumberObject(width), _name("/Height"): NumberObject(height),
            _name("/ColorSpace"): _name("/DeviceRGB" if mode == "RGB" else "/DeviceGray"),
            _name("/BitsPerComponent"): NumberObject(8), _name("/Filter"): _name("/DCTDecode")})
        image.update(on_image or {})
        page.update(on_page or {})
        page[_name("/Resources")] = DictionaryObject({_name("/XObject"): DictionaryObject(
            {_name("/Scan"): writer._add_object(image)})})
        drawing = DecodedStreamObject()
        drawing.set_data(content.format(width=points[0], height=points[1]).encode())
        page[_name("/Contents")] = writer._add_object(drawing)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_scanners_jpeg_is_taken_out_as_it_was_sent(tmp_path: Path) -> None:
    jpegs = [_scan(colour=True), _scan(colour=False)]
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(_scanner_pdf(jpegs))
    assert [scanned_jpeg(pdf, number, DPI) for number in (1, 2)] == jpegs


def test_other_pages_are_drawn(tmp_path: Path) -> None:
    low = tmp_path / "low.pdf"
    low.write_bytes(_scanner_pdf([_scan(colour=False)], dpi=150))
    assert scanned_jpeg(low, 1, DPI) is None  # scanned at another resolution

    jpeg = _scan(colour=False)
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(_scanner_pdf([jpeg[:2] + b"\x00" * 300 + jpeg[302:]], like=jpeg))
    assert scanned_jpeg(damaged, 1, DPI) is None  # poppler says why it cannot be drawn
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(_scanner_pdf([b""], like=jpeg))
    assert scanned_jpeg(empty, 1, DPI) is None

    source = tmp_path / "scan.pdf"
    source.write_bytes(_scanner_pdf([jpeg, jpeg]))
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.pages[0].rotate(90)
    stamp = io.BytesIO()
    box = writer.pages[1].mediabox
    text = canvas.Canvas(stamp, pagesize=(float(box.width), float(box.height)))
    text.drawString(40, 40, "received 2026-12-04")
    text.save()
    writer.pages[1].merge_page(PdfReader(stamp).pages[0])
    changed = tmp_path / "changed.pdf"
    with changed.open("wb") as handle:
        writer.write(handle)
    assert scanned_jpeg(changed, 1, DPI) is None  # turned
    assert scanned_jpeg(changed, 2, DPI) is None  # a line of text over the scan
    assert scanned_jpeg(tmp_path / "missing.pdf", 1, DPI) is None


def _with_tree(pdf: bytes, nested: bool = False, inherited: dict | None = None) -> bytes:
    """`pdf` with its first two pages moved under a page-tree node of their own (`nested`),
    or with `inherited` entries set on the tree's root for every page to inherit."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    root = writer._root_object["/Pages"].get_object()
    root.update(inherited or {})
    if nested:
        kids = list(root["/Kids"])
        node = DictionaryObject({_name("/Type"): _name("/Pages"),
                                 _name("/Kids"): ArrayObject(kids[:2]),
                                 _name("/Count"): NumberObject(2),
                                 _name("/Parent"): root.indirect_reference})
        reference = writer._add_object(node)
        for kid in kids[:2]:
            kid.get_object()[_name("/Parent")] = reference
        root[_name("/Kids")] = ArrayObject([reference, *kids[2:]])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pages_are_found_by_their_place_in_the_page_tree(tmp_path: Path) -> None:
    """Asked in any order and again (a process keeps where each page is), each page gives
    its own JPEG, in a nested tree too; a page turned by the tree above it is drawn."""
    jpegs = [_scan(colour=True), _scan(colour=False), _scan(colour=False, quality=70)]
    nested = tmp_path / "nested.pdf"
    nested.write_bytes(_with_tree(_scanner_pdf(jpegs), nested=True))
    assert len(PdfReader(nested).root_object["/Pages"]["/Kids"]) == 2
    for number in (3, 1, 2, 3, 2, 1):
        assert scanned_jpeg(nested, number, DPI) == jpegs[number - 1], number
    turned = tmp_path / "turned.pdf"
    turned.write_bytes(_with_tree(_scanner_pdf(jpegs),
                                  inherited={_name("/Rotate"): NumberObject(90)}))
    assert [scanned_jpeg(turned, number, DPI) for number in (1, 2, 3, 1)] == [None] * 4


def _jpeg_claiming(jpeg: bytes, width: int, height: int) -> bytes:
    """The JPEG with its frame header (SOF0) changed to claim another size."""
    frame = jpeg.index(b"\xff\xc0")
    return (jpeg[:frame + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big")
            + jpeg[frame + 9:])


def _turned(jpeg: bytes) -> bytes:
    with Image.open(io.BytesIO(jpeg)) as image:
        exif = Image.Exif()
        exif[ExifTags.Base.Orientation] = 6
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def _cmyk(jpeg: bytes) -> bytes:
    with Image.open(io.BytesIO(jpeg)) as image:
        buffer = io.BytesIO()
        image.convert("CMYK").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


@pytest.mark.parametrize("variant", ["huge header", "smaller header", "EXIF turned", "CMYK",
                                     "annotation", "optional content", "drawn before placed",
                                     "placed twice", "cut short"])
def test_pages_a_scanner_would_not_write_are_drawn(tmp_path: Path, variant: str) -> None:
    """Each of these the shortcut would get wrong (or spend gigabytes on) where poppler
    draws the page right."""
    jpeg = _scan(colour=True)
    odd = {
        "huge header": lambda: _scanner_pdf([_jpeg_claiming(jpeg, 60000, 60000)], like=jpeg),
        "smaller header": lambda: _scanner_pdf([_jpeg_claiming(jpeg, 1000, 1000)], like=jpeg),
        "EXIF turned": lambda: _scanner_pdf([_turned(jpeg)]),
        "CMYK": lambda: _scanner_pdf([_cmyk(jpeg)], like=jpeg),
        "annotation": lambda: _scanner_pdf([jpeg], on_page={_name("/Annots"): ArrayObject()}),
        "optional content": lambda: _scanner_pdf([jpeg], on_image={
            _name("/OC"): DictionaryObject({_name("/Type"): _name("/OCG")})}),
        "drawn before placed": lambda: _scanner_pdf(
            [jpeg], content="q /Scan Do {width:.3f} 0 0 {height:.3f} 0 0 cm Q"),
        "placed twice": lambda: _scanner_pdf([jpeg], content=PLACED + " " + PLACED),
        "cut short": lambda: _scanner_pdf([jpeg[:len(jpeg) // 2]], like=jpeg),
    }[variant]
    pdf = tmp_path / "odd.pdf"
    pdf.write_bytes(odd())
    assert scanned_jpeg(pdf, 1, DPI) is None


def test_an_uploaded_scan_is_split_into_its_own_jpegs(inprocess_db: Path) -> None:
    user_id, _ = make_user(Role.SCANNER)
    jpegs = [_scan(colour=True), _scan(colour=False)]
    with received([("scan.pdf", io.BytesIO(_scanner_pdf(jpegs)))]) as uploads, \
            session_scope() as session:
        batch = create_batch(session, session.get(User, user_id), uploads, queue=False)
        page_ids = [page.id for page in batch.pages]
    for page_id in page_ids:
        split_page(page_id, queue=False)
    with session_scope() as session:
        pages = [session.get_one(Page, page_id) for page_id in page_ids]
        assert {page.state for page in pages} == {PageState.QUEUED}
        assert [blobs.read(page.image_sha256 or "") for page in pages] == jpegs
    colour = cv2.imdecode(np.frombuffer(jpegs[0], np.uint8), cv2.IMREAD_UNCHANGED)
    blue, green, red = colour[1500, 1100]
    assert red > 150 and green < 100 and blue < 100  # the seal is kept red
