"""The printed vaccination certificate (接種証明書): the same CertificateContent as the signed
SMART Health Card, laid out bilingually on A4 so both a Japanese clerk and a foreign border
officer can read it, with the card's QR beside the holder's details.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from functools import lru_cache
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ledger.certificates.content import CertificateContent, DoseLine
from ledger.kit.fonts import FONT_NAME, japanese_font

TITLE = "予防接種証明書 / Certificate of Vaccination"
QR_CAPTION = "SMART Health Card: scan to verify\nQRコードを読み取って検証できます"

MARGIN = 15 * mm
CONTENT_WIDTH = A4[0] - 2 * MARGIN
QR_QUIET_ZONE = 4
MIN_MODULE = 0.6 * mm
"""At 0.6 mm a v22 card (105 modules, the largest SMART Health Card QR) is 68 mm wide with its
quiet zone; smaller modules make a printed or photocopied certificate hard to scan."""
QR_TARGET_WIDTH = 68 * mm
"""Small QRs are enlarged up to the width a v22 one needs anyway: bigger modules scan easier."""
GAP = 4 * mm
DOSE_COLUMNS = (10 * mm, 18 * mm, 54 * mm, 34 * mm, 22 * mm, 42 * mm)


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    """CJK word wrap so long kanji names, clinic names and unspaced lot numbers break anywhere
    rather than running out of their cell."""
    font = japanese_font()
    base = ParagraphStyle("cert", fontName=font, fontSize=9.5, leading=12.5, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", base, fontSize=17, leading=22, alignment=TA_CENTER),
        "label": ParagraphStyle("label", base, fontSize=8.5, leading=11,
                                textColor=colors.HexColor("#333333")),
        "value": base,
        "head": ParagraphStyle("head", base, fontSize=8, leading=10.5),
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=11),
        "caption": ParagraphStyle("caption", base, fontSize=8, leading=10.5, alignment=TA_CENTER),
    }


def _p(text: str, style: str) -> Paragraph:
    """Register data may hold & or < (clinic names do): escape it, since Paragraph parses
    markup; the only markup kept is the <br/> joining the Japanese and English lines."""
    return Paragraph("<br/>".join(escape(line) for line in text.split("\n")), _styles()[style])


class QRFlowable(Flowable):
    """The QR drawn as vector rectangles from segno's matrix, so it prints sharp at any
    resolution and no raster image has to be encoded per certificate."""

    def __init__(self, qr: segno.QRCode) -> None:
        super().__init__()
        self.qr = qr
        self.modules = qr.symbol_size(scale=1, border=QR_QUIET_ZONE)[0]
        self.module = max(MIN_MODULE, QR_TARGET_WIDTH / self.modules)
        self.width = self.height = self.modules * self.module

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setFillColor(colors.white)  # the quiet zone stays white even on a tinted cell
        canvas.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        path = canvas.beginPath()
        for row, start, length in _dark_runs(self.qr.matrix):
            y = self.height - (row + QR_QUIET_ZONE + 1) * self.module
            x = (start + QR_QUIET_ZONE) * self.module
            path.rect(x, y, length * self.module, self.module)
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.restoreState()


def _dark_runs(matrix: tuple[bytearray, ...]) -> Iterator[tuple[int, int, int]]:
    """Horizontal runs of dark modules as (row, first column, length): one rectangle per run
    leaves no hairline seams between neighbouring modules when rasterised, and is smaller."""
    for row, modules in enumerate(matrix):
        start = None
        for column, dark in enumerate((*modules, 0)):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                yield row, start, column - start
                start = None


def _romaji(content: CertificateContent) -> str:
    """Passport order and case (family name in capitals), what a border officer compares."""
    return f"{content.family_name_romaji.upper()} {content.given_name_romaji}".strip()


_TABLE_FONT = [("FONT", (0, 0), (-1, -1), FONT_NAME, 9)]
"""Tables set a cell font even when every cell is a Paragraph; without this they would add an
unembedded Helvetica to the PDF."""


def _details(content: CertificateContent) -> list[tuple[str, str]]:
    """Passport number and nationality are printed only when known: a blank line would look
    like a certificate someone forgot to fill in."""
    rows = [("氏名 / Name", content.name),
            ("ローマ字氏名 / Name (Roman letters)", _romaji(content)),
            ("生年月日 / Date of birth", content.birth_date.isoformat())]
    if content.passport_number is not None:
        rows.append(("旅券番号 / Passport No.", content.passport_number))
    if content.nationality is not None:
        rows.append(("国籍 / Nationality", content.nationality))
    rows += [("証明書ID / Certificate ID", content.certificate_id),
             ("発行日 / Date of issue", content.issued_on.isoformat()),
             ("発行者 / Issuer", f"{content.issuer_ja}\n{content.issuer_en}")]
    return rows


def _details_table(content: CertificateContent, width: float) -> Table:
    label_width = min(42 * mm, width * 0.4)
    rows = [[_p(label, "label"), _p(value, "value")] for label, value in _details(content)]
    table = Table(rows, colWidths=(label_width, width - label_width))
    table.setStyle(TableStyle([
        *_TABLE_FONT,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def _header(content: CertificateContent, qr: segno.QRCode) -> Table:
    """Details on the left and the QR in a column sized to it, so a bigger QR narrows the
    details (which wrap) instead of overlapping them."""
    code = QRFlowable(qr)
    details_width = CONTENT_WIDTH - code.width - GAP
    table = Table([[_details_table(content, details_width), [code, _p(QR_CAPTION, "caption")]]],
                  colWidths=(details_width + GAP, code.width))
    table.setStyle(TableStyle([
        *_TABLE_FONT,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (0, 0), GAP),
    ]))
    return table


def _lines(*parts: str) -> str:
    """One line per distinct part: a clinic known only by its Japanese name prints once."""
    return "\n".join(dict.fromkeys(part for part in parts if part))


def _dose_row(dose: DoseLine) -> list[Paragraph]:
    return [_p(str(dose.dose_number), "cell"), _p(dose.vaccinated_on.isoformat(), "cell"),
            _p(_lines(dose.vaccine_ja, dose.vaccine_en, dose.product), "cell"),
            _p(_lines(dose.manufacturer_ja, dose.manufacturer_en), "cell"),
            _p(dose.lot_number, "cell"), _p(_lines(dose.place_ja, dose.place_en), "cell")]


def _doses_table(doses: tuple[DoseLine, ...]) -> Table:
    """The heading row repeats if a long history runs onto a second page."""
    heading = ["回数\nDose", "接種日\nDate", "ワクチン\nVaccine", "製造販売業者\nManufacturer",
               "ロット番号\nLot No.", "接種場所\nPlace"]
    rows = [[_p(text, "head") for text in heading], *(_dose_row(dose) for dose in doses)]
    table = Table(rows, colWidths=DOSE_COLUMNS, repeatRows=1)
    table.setStyle(TableStyle([
        *_TABLE_FONT,
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#666666")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _continuation_footer(content: CertificateContent) -> Callable[[Canvas, object], None]:
    """Pages after the first carry the certificate ID and page number, so a page that came
    apart from the first can still be tied back to its certificate."""
    def draw(canvas: Canvas, doc: object) -> None:
        canvas.setFont(japanese_font(), 8)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN / 2,
                               f"{content.certificate_id} — {canvas.getPageNumber()}")
    return draw


def render_pdf(content: CertificateContent, qr: segno.QRCode) -> bytes:
    """The certificate as PDF bytes. The title metadata holds only the certificate ID:
    PDF properties are shown by viewers and indexed by mail and file servers, so a name there
    would leak beyond the printed page. `invariant` makes equal content give equal bytes."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
                            topMargin=MARGIN, bottomMargin=MARGIN, title=content.certificate_id,
                            author="", subject="", creator="", invariant=True,
                            initialFontName=japanese_font())
    doc.build([_p(TITLE, "title"), Spacer(0, 6 * mm), _header(content, qr), Spacer(0, 7 * mm),
               _doses_table(content.doses)], onLaterPages=_continuation_footer(content))
    return buffer.getvalue()
