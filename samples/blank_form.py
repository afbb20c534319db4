"""Draws the blank form PDF from its field map, so print and recogniser share one geometry.

`python -m samples.blank_form` regenerates every form in samples/forms.
"""

from __future__ import annotations

from pathlib import Path

import segno
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ocr.fieldmap import UNDERLINE_TICK_MM, Box, FieldSpec, FormSpec, load_forms
from samples.fonts import reportlab_font

FORMS_DIR = Path(__file__).parent / "forms"
LABEL_PT = 10.0
OPTION_PT = 10.0
LONG_LABEL_CHARS = 12
"""Labels longer than this (questionnaire items) start at the left margin instead of
right-aligned against their box."""
LEFT_MARGIN_MM = 16.0
BOX_LINE_MM = 0.3
BOLD_LINE_MM = 0.5


class _Page:
    """A reportlab canvas addressed in mm from the top-left, like the field map."""

    def __init__(self, canvas: Canvas, page_mm: tuple[float, float]) -> None:
        self.canvas = canvas
        self.height = page_mm[1]
        self.font = reportlab_font()

    def rect(self, box: Box, line_mm: float = BOX_LINE_MM, fill: bool = False,
             dashed: bool = False) -> None:
        x, y, w, h = box
        self.canvas.setLineWidth(line_mm * mm)
        self.canvas.setDash(2 * mm, 1.2 * mm) if dashed else self.canvas.setDash()
        self.canvas.rect(x * mm, (self.height - y - h) * mm, w * mm, h * mm, stroke=not fill,
                         fill=fill)

    def line(self, start: tuple[float, float], end: tuple[float, float], line_mm: float
             ) -> None:
        self.canvas.setLineWidth(line_mm * mm)
        self.canvas.setDash()
        self.canvas.line(start[0] * mm, (self.height - start[1]) * mm, end[0] * mm,
                         (self.height - end[1]) * mm)

    def text(self, text: str, x: float, baseline: float, size: float, right: bool = False) -> None:
        self.canvas.setFont(self.font, size)
        if right:
            self.canvas.drawRightString(x * mm, (self.height - baseline) * mm, text)
        else:
            self.canvas.drawString(x * mm, (self.height - baseline) * mm, text)


def _baseline(box: Box, size_pt: float) -> float:
    """Baseline that centres a line of text of `size_pt` vertically on the box."""
    size_mm = size_pt * 25.4 / 72
    return box[1] + box[3] / 2 + size_mm * 0.35


def _draw_qr(page: _Page, payload: str, box: Box) -> None:
    """Draw the symbol (without quiet zone) to fill `box`; the layout keeps the zone white."""
    code = segno.make(payload, error="m", micro=False)
    modules = len(code.matrix)
    step = box[2] / modules
    for row, line in enumerate(code.matrix):
        for col, dark in enumerate(line):
            if dark:
                page.rect((box[0] + col * step, box[1] + row * step, step, step), fill=True)


def _draw_field(page: _Page, field: FieldSpec) -> None:
    if field.show_label and len(field.label) > LONG_LABEL_CHARS:
        page.text(field.label, LEFT_MARGIN_MM, _baseline(field.box, 8.5), 8.5)
    elif field.show_label:
        page.text(field.label, field.box[0] - 2, _baseline(field.box, LABEL_PT), LABEL_PT,
                  right=True)
    if field.type in ("digits", "date"):
        for row in field.digit_rows:
            rx, ry, rw, rh = row.box
            cell = rw / row.chars
            if field.underline:
                page.line((rx, ry + rh), (rx + rw, ry + rh), BOLD_LINE_MM)
                for i in range(1, row.chars):
                    page.line((rx + i * cell, ry + rh - UNDERLINE_TICK_MM),
                              (rx + i * cell, ry + rh), BOX_LINE_MM)
                continue
            for i in range(row.chars):
                page.rect((rx + i * cell, ry, cell, rh))
            page.rect(row.box, BOLD_LINE_MM)
    elif field.type == "text":
        page.rect(field.box, BOLD_LINE_MM)
    elif field.type == "choice":
        for option in field.options:
            page.rect(option.box, BOLD_LINE_MM)
            ox, oy, ow, oh = option.box
            page.text(option.label, ox + ow + 1, _baseline(option.box, OPTION_PT), OPTION_PT)
    elif field.type != "ocr_line":  # the OCR line is on the pasted sticker, not printed
        page.rect(field.box, BOLD_LINE_MM)


def build_blank_form(spec: FormSpec, path: Path) -> None:
    """Write the printable blank form of `spec` to `path` (one A4 page, IPA Gothic embedded)."""
    width, height = spec.page_mm
    canvas = Canvas(str(path), pagesize=(width * mm, height * mm), pageCompression=1,
                    invariant=True)
    canvas.setTitle(spec.title)
    canvas.setCreator("yoshin samples.blank_form")
    canvas.setAuthor("")
    page = _Page(canvas, spec.page_mm)
    for mark in spec.marks:
        half = mark.size / 2
        page.rect((mark.x - half, mark.y - half, mark.size, mark.size), fill=True)
    _draw_qr(page, spec.qr_payload, spec.qr)
    for frame in spec.frames:
        page.rect(frame.box, frame.line_mm, dashed=frame.dashed)
    page.canvas.setDash()
    for note in spec.notes:
        page.text(note.text, note.x, note.y, note.size)
    for field in spec.fields:
        _draw_field(page, field)
    canvas.showPage()
    canvas.save()


def main() -> None:
    """Regenerate the PDF of every field map in samples/forms, and of its earlier printings
    (the reader takes their print away from pages of them still in circulation)."""
    for form_id, spec in load_forms(FORMS_DIR).items():
        build_blank_form(spec, FORMS_DIR / f"{form_id}.pdf")
        for earlier in spec.printings[1:]:
            build_blank_form(earlier, FORMS_DIR / f"{form_id}.v{earlier.version}.pdf")


if __name__ == "__main__":
    main()
