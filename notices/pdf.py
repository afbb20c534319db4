"""The notice batch as one print-ready PDF: for each person a letter whose address block sits
in a window envelope's window, then their personal 予診票 — the city's blank form with name,
reading, birth date, sex and address printed in their boxes, the 宛名番号 beside the title,
and a QR that carries the form and the person's serial instead of the blank's.

The blank form is embedded once, as a form XObject every personal form draws first; a
letter and a form add only their own text, so 10,000 of each stay a file a print shop takes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import segno
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
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
PRINTED = frozenset({"name_kana", "name", "birth_date", "sex", "address"})
"""The fields a personal form carries printed: no one writes them by hand."""


@dataclass(frozen=True)
class Person:
    atena_number: str
    name: str
    name_kana: str
    birth_date: date
    sex: str
    address: str


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


def _form(page: _Page, spec: FormSpec, person: Person, serial: str) -> None:
    boxes = {field.key: field for field in spec.fields}
    x, y, w, h = spec.qr
    page.white((x - 1, y - 1, w + 2, h + 2))
    page.qr(f"{spec.qr_payload}:{serial}", spec.qr)
    page.text(f"宛名番号 {person.atena_number}　個人用", 110, 31, 7)
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


@lru_cache(maxsize=8)
def _blank(pdf: Path) -> tuple[bytes, DictionaryObject, list[float]]:
    page = PdfReader(pdf).pages[0]
    contents, resources = page.get_contents(), page["/Resources"].get_object()
    if contents is None or not isinstance(resources, DictionaryObject):
        raise ValueError(f"{pdf}: the blank form has no content")
    return contents.get_data(), resources, [float(v) for v in page.mediabox]


def _blank_xobject(writer: PdfWriter, pdf: Path) -> IndirectObject:
    data, resources, box = _blank(pdf)
    form = DecodedStreamObject()
    form.set_data(data)
    form.update({NameObject("/Type"): NameObject("/XObject"),
                 NameObject("/Subtype"): NameObject("/Form"),
                 NameObject("/BBox"): ArrayObject([FloatObject(v) for v in box]),
                 NameObject("/Resources"): resources.clone(writer)})
    return writer._add_object(form)


def render(notices: Sequence[Notice], spec: FormSpec, blank_pdf: Path, *, issuer: str,
           issued_on: date, progress: Callable[[int], None] | None = None) -> bytes:
    """Letter and personal form for each notice, in the order given."""
    overlay = io.BytesIO()
    canvas = Canvas(overlay, pagesize=A4, pageCompression=1, invariant=True)
    canvas.setTitle(f"予防接種のお知らせ ({len(notices)})")
    for notice in notices:
        _letter(_Page(canvas), notice, issuer, issued_on)
        canvas.showPage()
        _form(_Page(canvas), spec, notice.person, notice.serial)
        canvas.showPage()
    canvas.save()
    writer = PdfWriter()
    blank = _blank_xobject(writer, blank_pdf)
    pages = PdfReader(io.BytesIO(overlay.getvalue())).pages
    for index, source in enumerate(pages):
        added = writer.add_page(source)
        if index % 2:
            _draw_blank_first(writer, added, blank)
            if progress is not None:
                progress(index // 2 + 1)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _draw_blank_first(writer: PdfWriter, page: PageObject, blank: IndirectObject) -> None:
    """Prefix the page's own drawing with the blank form's, so the personal print lies on it."""
    contents = page.get_contents()
    stream = DecodedStreamObject()
    own = b"" if contents is None else contents.get_data()  # a ContentStream can be falsy
    stream.set_data(b"q " + BLANK.encode() + b" Do Q\n" + own)
    page[NameObject("/Contents")] = writer._add_object(stream)
    resources = page["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    if "/XObject" not in resources:
        resources[NameObject("/XObject")] = DictionaryObject()
    xobjects = resources["/XObject"].get_object()
    assert isinstance(xobjects, DictionaryObject)
    xobjects[NameObject(BLANK)] = blank


def personal_form(spec: FormSpec, blank_pdf: Path, person: Person, serial: str) -> bytes:
    """One personal 予診票 alone, as a notice run prints it: for the sample generator's
    personal pages, so that what is measured is the product's own print."""
    overlay = io.BytesIO()
    canvas = Canvas(overlay, pagesize=A4, invariant=True)
    _form(_Page(canvas), spec, person, serial)
    canvas.showPage()
    canvas.save()
    writer = PdfWriter()
    added = writer.add_page(PdfReader(io.BytesIO(overlay.getvalue())).pages[0])
    _draw_blank_first(writer, added, _blank_xobject(writer, blank_pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
