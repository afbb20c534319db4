"""The notice batch as one print-ready PDF: for each person a letter whose address block sits
in a window envelope's window, then their personal 予診票 — the city's blank form with name,
reading, birth date, sex, address and the dose it is sent for printed in their boxes, the
宛名番号 beside the QR, and a QR that carries the form and the person's serial instead of
the blank's.

The blank form is embedded once, as a form XObject every personal form draws first; a
letter and a form add only their own text, so 10,000 of each stay a file a print shop takes.
The file is written a chunk of notices at a time (`write`): each chunk is drawn by reportlab
and its pages copied into the one PDF, so a run of any size needs the memory of one chunk.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, cast

import segno
from pypdf import PageObject, PdfReader
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    create_string_object,
)
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ledger.kit.fonts import japanese_font
from ocr import FormSpec

WINDOW_MM = (20.0, 18.0, 95.0, 45.0)
"""x, y (from the top-left), width, height of the address block: the window of a 長形3号
window envelope with the A4 letter folded in three."""
BLANK = "/YoshinBlankForm"
IDENTITY_GAP_MM = 4.0
IDENTITY_TOP_MM = 10.5
"""The 宛名番号 stands in three short lines right of the QR, below the corner mark, 4 mm (seven
modules) clear of the code: every form's notes and boxes leave that corner free, and a line
beside the title ran into the longer notes of the elderly forms and the COVID-19 form's
name box."""
PRINTED = frozenset({"name_kana", "name", "birth_date", "sex", "address", "dose_number"})
"""The fields a personal form carries printed: no one writes them by hand. The dose number is
the serial's own (the city sends a form for one dose), so the clinic has nothing to write
there, and the reader finds the serial's dose printed where it looks (ledger.checks.serials);
a clinic that gave another dose corrects it as it would any value it wrote."""


@dataclass(frozen=True)
class Person:
    atena_number: str
    name: str
    name_kana: str
    birth_date: date
    sex: str
    address: str
    postal_code: str = ""


@dataclass(frozen=True)
class Notice:
    person: Person
    serial: str
    programme_ja: str
    phase: str
    dose: int
    earliest: date
    last: date | None
    reminder: bool


class _Page:
    """A canvas addressed in mm from the top-left, as the field maps are."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas, self.height = canvas, A4[1] / mm

    def text(self, text: str, x: float, y: float, size: float) -> None:
        self.canvas.setFont(japanese_font(), size)
        self.canvas.drawString(x * mm, (self.height - y) * mm, text)

    def centred(self, text: str, box: tuple[float, float, float, float], size: float) -> None:
        x, y, w, h = box
        self.canvas.setFont(japanese_font(), size)
        baseline = self.height - y - h / 2 - size * 0.12
        self.canvas.drawCentredString((x + w / 2) * mm, baseline * mm, text)

    def white(self, box: tuple[float, float, float, float]) -> None:
        x, y, w, h = box
        self.canvas.setFillGray(1)
        self.canvas.rect(x * mm, (self.height - y - h) * mm, w * mm, h * mm, stroke=0, fill=1)
        self.canvas.setFillGray(0)

    def qr(self, payload: str, box: tuple[float, float, float, float]) -> None:
        code = segno.make(payload, error="m", micro=False)
        modules = list(code.matrix)
        x, y, w, _ = box
        cell = w / len(modules)
        for row, line in enumerate(modules):
            for column, dark in enumerate(line):
                if dark:
                    self.canvas.rect((x + column * cell) * mm,
                                     (self.height - y - (row + 1) * cell) * mm,
                                     cell * mm, cell * mm, stroke=0, fill=1)


def _letter(page: _Page, notice: Notice, issuer: str, issued_on: date) -> None:
    x, y, _, _ = WINDOW_MM
    person = notice.person
    if person.postal_code:
        page.text(f"〒{person.postal_code}", x + 2, y + 6, 10)
    page.text(person.address, x + 2, y + 12, 10)
    page.text(f"{person.name} 様", x + 2, y + 22, 14)
    page.text(f"宛名番号 {person.atena_number}", x + 2, y + 34, 8)
    page.text(f"{issued_on.year}年{issued_on.month}月{issued_on.day}日", 160, 20, 9)
    page.text(issuer, 160, 26, 9)
    title = "予防接種のお知らせ" + ("（再通知）" if notice.reminder else "")
    page.text(title, 20, 80, 16)
    which = " ".join(part for part in (notice.programme_ja, notice.phase) if part)
    last = "期限なし" if notice.last is None else \
        f"{notice.last.year}年{notice.last.month}月{notice.last.day}日"
    lines = [
        f"{person.name} 様は、{which}の定期予防接種（{notice.dose}回目）の対象です。",
        f"接種できる期間: {notice.earliest.year}年{notice.earliest.month}月{notice.earliest.day}日"
        f" から {last} まで",
        "同封の予診票に記入し、委託医療機関で接種を受けてください。",
        "予診票の氏名・住所・生年月日は印字してあります。誤りがあれば市へご連絡ください。",
        "この予診票は、ご本人のためのものです。他の方は使えません。",
    ]
    if notice.reminder:
        lines.insert(1, "標準的な接種の時期を過ぎています。期限までに接種をご検討ください。")
    for index, line in enumerate(lines):
        page.text(line, 20, 95 + index * 8, 10.5)


def _form(page: _Page, spec: FormSpec, person: Person, serial: str, dose: int) -> None:
    boxes = {field.key: field for field in spec.fields}
    x, y, w, h = spec.qr
    page.white((x - 1, y - 1, w + 2, h + 2))
    page.qr(f"{spec.qr_payload}:{serial}", spec.qr)
    for index, line in enumerate(("宛名番号", person.atena_number, "個人用")):
        page.text(line, x + w + IDENTITY_GAP_MM, y + IDENTITY_TOP_MM + index * 3.5, 7)
    for key, value, size in (("name_kana", person.name_kana, 11), ("name", person.name, 13),
                             ("address", person.address, 10)):
        field = boxes.get(key)
        if field is not None:
            x, y, w, h = field.box
            page.text(value, x + 2, y + h / 2 + size * 0.12, size)
    birth = boxes.get("birth_date")
    if birth is not None:
        digits = (f"{person.birth_date.year:04d}", f"{person.birth_date.month:02d}",
                  f"{person.birth_date.day:02d}")
        for part, text in zip(birth.parts, digits, strict=True):
            x, y, w, h = part.box
            cell = w / part.chars
            for index, char in enumerate(text):
                page.centred(char, (x + index * cell, y, cell, h), 12)
    sex = boxes.get("sex")
    if sex is not None:
        option = next((o for o in sex.options if o.value == person.sex), None)
        if option is not None:
            page.centred("✓", option.box, 12)
    number = boxes.get("dose_number")
    if number is not None:
        page.centred(str(dose), number.box, 12)


CHUNK = 1000
"""Notices drawn per overlay: the PDF is written a chunk at a time, so memory stays that of
one chunk however many notices a run holds."""
_SUBSET = re.compile(r"^/[A-Z]{6}\+")
_PREFIX = b"q " + BLANK.encode() + b" Do Q\n"
"""Drawn before a personal form's own content: the blank form, its graphics state kept."""


class _PdfStream:
    """A PDF written object by object to a file (pypdf's writer holds every page until the
    end, and 10,000 notices' pages would sit in memory). Objects 1 and 2 are the catalogue
    and the page tree, written last when all the pages are known."""

    CATALOG, PAGES = 1, 2

    def __init__(self, out: BinaryIO) -> None:
        self._out, self._at, self._next, self._tags = out, 0, 3, 0
        self._offsets: dict[int, int] = {}
        self.pages: list[int] = []
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._at += len(data)

    def reserve(self) -> int:
        number, self._next = self._next, self._next + 1
        return number

    def put(self, number: int, obj: PdfObject) -> IndirectObject:
        body = io.BytesIO()
        obj.write_to_stream(body)
        self._offsets[number] = self._at
        self._write(b"%d 0 obj\n%b\nendobj\n" % (number, body.getvalue()))
        return IndirectObject(number, 0, None)

    def add(self, obj: PdfObject) -> IndirectObject:
        return self.put(self.reserve(), obj)

    def subset_tag(self) -> str:
        """Six capitals, a new one each call (a font subset's tag)."""
        number, self._tags = self._tags, self._tags + 1
        letters = ""
        for _ in range(6):
            number, digit = divmod(number, 26)
            letters = chr(ord("A") + digit) + letters
        return letters

    def finish(self, title: str) -> None:
        self.put(self.PAGES, DictionaryObject({
            NameObject("/Type"): NameObject("/Pages"),
            NameObject("/Kids"): ArrayObject(IndirectObject(n, 0, None) for n in self.pages),
            NameObject("/Count"): NumberObject(len(self.pages))}))
        self.put(self.CATALOG, DictionaryObject({
            NameObject("/Type"): NameObject("/Catalog"),
            NameObject("/Pages"): IndirectObject(self.PAGES, 0, None)}))
        info = self.add(DictionaryObject({NameObject("/Title"): create_string_object(title)}))
        if len(self._offsets) != self._next - 1:
            raise RuntimeError("a reserved PDF object was never written")
        xref = self._at
        lines = [b"xref\n0 %d\n0000000000 65535 f \n" % self._next]
        lines += [b"%010d 00000 n \n" % self._offsets[n] for n in range(1, self._next)]
        self._write(b"".join(lines))
        trailer = DictionaryObject({NameObject("/Size"): NumberObject(self._next),
                                    NameObject("/Root"): IndirectObject(self.CATALOG, 0, None),
                                    NameObject("/Info"): info})
        body = io.BytesIO()
        trailer.write_to_stream(body)
        self._write(b"trailer\n%b\nstartxref\n%d\n%%%%EOF\n" % (body.getvalue(), xref))


class _Copier:
    """Copies objects of one source PDF into a _PdfStream, each once, renumbered. Streams
    keep their encoded bytes: nothing is decompressed and compressed again."""

    def __init__(self, stream: _PdfStream) -> None:
        self._stream = stream
        self._numbers: dict[int, int] = {}
        self._tags: dict[str, str] = {}

    def copy(self, obj: Any) -> Any:
        if isinstance(obj, IndirectObject):
            number = self._numbers.get(obj.idnum)
            if number is None:
                number = self._numbers[obj.idnum] = self._stream.reserve()
                self._stream.put(number, self.copy(obj.get_object()))
            return IndirectObject(number, 0, None)
        if isinstance(obj, StreamObject):
            stream = EncodedStreamObject() if "/Filter" in obj else DecodedStreamObject()
            stream._data = obj._data
            stream.update(self._entries(obj, skip={"/Length"}))
            return stream
        if isinstance(obj, DictionaryObject):
            return DictionaryObject(self._entries(obj))
        if isinstance(obj, ArrayObject):
            return ArrayObject(self.copy(item) for item in obj)
        return obj

    def _entries(self, obj: DictionaryObject, skip: frozenset[str] | set[str] = frozenset()
                 ) -> dict[Any, Any]:
        return {NameObject(key): self._font_name(key, self.copy(obj.raw_get(key)))
                for key in obj if key not in skip}

    def _font_name(self, key: str, value: Any) -> Any:
        """Each chunk embeds its own subsets of the Japanese font, which reportlab names
        alike (AAAAAA+…); a PDF must give different subsets different tags (ISO 32000-1,
        9.6.4), or a print shop's RIP may draw one chunk's glyphs with another's."""
        if key not in ("/BaseFont", "/FontName") or not isinstance(value, NameObject) \
                or not _SUBSET.match(value):
            return value
        tag = self._tags.get(value[1:7])
        if tag is None:
            tag = self._tags[value[1:7]] = self._stream.subset_tag()
        return NameObject(f"/{tag}{value[7:]}")

    def page(self, page: PageObject, *, blank: IndirectObject | None, prefix: IndirectObject
             ) -> None:
        """The page into the stream's page tree; with `blank`, the blank form drawn first."""
        number = self._stream.reserve()
        if page.indirect_reference is not None:
            self._numbers[page.indirect_reference.idnum] = number
        copied = DictionaryObject(self._entries(page, skip={"/Parent"}))
        copied[NameObject("/Parent")] = IndirectObject(_PdfStream.PAGES, 0, None)
        if blank is not None:
            own = copied.raw_get("/Contents") if "/Contents" in copied else None
            contents = list(own) if isinstance(own, ArrayObject) else [] if own is None else [own]
            copied[NameObject("/Contents")] = ArrayObject([prefix, *contents])
            source = cast(DictionaryObject, page["/Resources"].get_object())
            resources = self.copy(source)
            own_xobjects = source.get("/XObject")
            xobjects = DictionaryObject() if own_xobjects is None else DictionaryObject(
                self._entries(cast(DictionaryObject, own_xobjects.get_object())))
            xobjects[NameObject(BLANK)] = blank
            resources[NameObject("/XObject")] = xobjects
            copied[NameObject("/Resources")] = resources
        self._stream.put(number, copied)
        self._stream.pages.append(number)


def _blank_form(stream: _PdfStream, pdf: Path) -> IndirectObject:
    """The blank form's page as one form XObject, written once for every personal form."""
    page = PdfReader(pdf).pages[0]
    contents = page.get_contents()
    if contents is None:
        raise ValueError(f"{pdf}: the blank form has no content")
    form = DecodedStreamObject()
    form.set_data(contents.get_data())
    encoded = form.flate_encode()
    encoded.update({NameObject("/Type"): NameObject("/XObject"),
                    NameObject("/Subtype"): NameObject("/Form"),
                    NameObject("/BBox"): ArrayObject(FloatObject(v) for v in page.mediabox),
                    NameObject("/Resources"): _Copier(stream).copy(page.raw_get("/Resources"))})
    return stream.add(encoded)


def _overlay(draw: Callable[[Canvas], None]) -> PdfReader:
    """What `draw` puts on its pages, as a PDF of its own to copy from."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=True)
    draw(canvas)
    canvas.save()
    return PdfReader(buffer)


def _notices_drawn(notices: Sequence[Notice], spec: FormSpec, issuer: str, issued_on: date
                   ) -> Callable[[Canvas], None]:
    def draw(canvas: Canvas) -> None:
        for notice in notices:
            _letter(_Page(canvas), notice, issuer, issued_on)
            canvas.showPage()
            _form(_Page(canvas), spec, notice.person, notice.serial, notice.dose)
            canvas.showPage()
    return draw


def write(notices: Sequence[Notice], spec: FormSpec, blank_pdf: Path, out: BinaryIO, *,
          issuer: str, issued_on: date, chunk: int = CHUNK,
          progress: Callable[[int], None] | None = None) -> int:
    """Letter and personal form for each notice, in the order given, written to `out` a
    chunk of notices at a time; `progress` hears how many are written after each chunk.
    Returns the pages written."""
    stream = _PdfStream(out)
    blank = _blank_form(stream, blank_pdf)
    prefix_stream = DecodedStreamObject()
    prefix_stream.set_data(_PREFIX)
    prefix = stream.add(prefix_stream)
    for start in range(0, len(notices), chunk):
        part = notices[start:start + chunk]
        copier = _Copier(stream)
        for index, page in enumerate(_overlay(_notices_drawn(part, spec, issuer,
                                                             issued_on)).pages):
            copier.page(page, blank=blank if index % 2 else None, prefix=prefix)
        if progress is not None:
            progress(start + len(part))
    stream.finish(f"予防接種のお知らせ ({len(notices)})")
    return len(stream.pages)


def render(notices: Sequence[Notice], spec: FormSpec, blank_pdf: Path, *, issuer: str,
           issued_on: date, progress: Callable[[int], None] | None = None) -> bytes:
    """`write` into memory: for a handful of notices (tests, a single reprint)."""
    out = io.BytesIO()
    write(notices, spec, blank_pdf, out, issuer=issuer, issued_on=issued_on, progress=progress)
    return out.getvalue()


def personal_form(spec: FormSpec, blank_pdf: Path, person: Person, serial: str,
                  dose: int) -> bytes:
    """One personal 予診票 alone, as a notice run prints it: for the sample generator's
    personal pages, so that what is measured is the product's own print."""
    out = io.BytesIO()
    stream = _PdfStream(out)
    blank = _blank_form(stream, blank_pdf)
    prefix_stream = DecodedStreamObject()
    prefix_stream.set_data(_PREFIX)
    prefix = stream.add(prefix_stream)

    def draw(canvas: Canvas) -> None:
        _form(_Page(canvas), spec, person, serial, dose)
        canvas.showPage()

    _Copier(stream).page(_overlay(draw).pages[0], blank=blank, prefix=prefix)
    stream.finish("予診票")
    return out.getvalue()
