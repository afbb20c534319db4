"""Machine-readable field maps: the single source of a form's geometry.

The blank-form generator draws from these models and the recogniser reads with them, so a
layout change made in the JSON reaches both sides at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Box = tuple[float, float, float, float]
"""x, y, w, h in mm from the top-left corner of the page."""

UNDERLINE_TICK_MM = 1.5
"""Height of the ticks printed between the digits of an underlined row (FieldSpec.underline):
enough to show where each digit goes, short enough to stay below the writing."""

FieldType = Literal["digits", "date", "text", "choice", "check", "ocr_line", "presence"]
"""`ocr_line`: a machine-printed digit line (the 接種券 sticker's OCR-B line) without boxes;
`presence`: whether there is any ink at all (a signature), read as "true" / "false"."""


class ChoiceOption(BaseModel):
    """One checkbox of a `choice` field; `value` is what the reading reports when ticked."""

    model_config = ConfigDict(frozen=True)

    value: str
    label: str
    box: Box


class DigitRow(BaseModel):
    """A row of `chars` equal boxes; dates are made of three of these (YYYY, MM, DD)."""

    model_config = ConfigDict(frozen=True)

    box: Box
    chars: int


class SplitPart(BaseModel):
    """A run of `chars` digits of an `ocr_line` reported under its own key."""

    model_config = ConfigDict(frozen=True)

    key: str
    chars: int


class Frame(BaseModel):
    """A printed rectangle that is no field (section borders, the sticker area)."""

    model_config = ConfigDict(frozen=True)

    box: Box
    line_mm: float = 0.3
    dashed: bool = False


class Mark(BaseModel):
    """A solid square registration mark, given by its centre so that size changes keep it put."""

    model_config = ConfigDict(frozen=True)

    x: float
    y: float
    size: float


class TextNote(BaseModel):
    """Fixed printed text (title, instructions, 年/月/日); `y` is the baseline, `size` in points."""

    model_config = ConfigDict(frozen=True)

    text: str
    x: float
    y: float
    size: float


class FieldSpec(BaseModel):
    """One field as printed; only the attributes of its `type` are used."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    type: FieldType
    box: Box
    chars: int | None = None
    parts: tuple[DigitRow, ...] = ()
    lang: Literal["jpn", "eng"] | None = None
    whitelist: str | None = None
    options: tuple[ChoiceOption, ...] = ()
    split: tuple[SplitPart, ...] = ()
    show_label: bool = True
    """False when the layout prints the label itself as notes (questions, the sticker area)."""
    printed: bool = False
    """Machine-printed text (the lot sticker), read from the gray image (see ocr.printed)."""
    underline: bool = False
    """A digits or date field printed as a line under each row, with short ticks between
    the digits, instead of a box per digit: writing that strays past a box's top or sides
    then crosses no line that must be taken away (ocr.digits)."""
    century: str | None = None
    """The first two digits of every year a date field can hold (20 for a vaccination date):
    when the whole date is not confirmed, the rest is read again without them
    (ocr.digits.read_digits)."""

    @model_validator(mode="after")
    def _check_type_attributes(self) -> FieldSpec:
        """Fail when the map is loaded rather than half-way through reading a batch."""
        if self.type == "digits" and not self.chars:
            raise ValueError(f"{self.key}: digits field needs chars")
        if self.type == "date" and [p.chars for p in self.parts] != [4, 2, 2]:
            raise ValueError(f"{self.key}: date field needs parts of 4, 2 and 2 digits")
        if self.century is not None and (self.type != "date" or len(self.century) != 2
                                         or not self.century.isdigit()):
            raise ValueError(f"{self.key}: century needs a date field and two digits")
        if self.underline and self.type not in ("digits", "date"):
            raise ValueError(f"{self.key}: only digits and date fields are underlined")
        if self.type == "text" and self.lang is None:
            raise ValueError(f"{self.key}: text field needs lang")
        if self.type == "choice" and not self.options:
            raise ValueError(f"{self.key}: choice field needs options")
        if self.type == "ocr_line" and not self.chars:
            raise ValueError(f"{self.key}: ocr_line field needs chars")
        if self.split and sum(part.chars for part in self.split) != self.chars:
            raise ValueError(f"{self.key}: split parts must add up to chars")
        return self

    @property
    def output_keys(self) -> tuple[str, ...]:
        """The keys a reading of this field reports: its own, then those of its split."""
        return (self.key, *(part.key for part in self.split))

    def split_value(self, value: str) -> dict[str, str]:
        """The value of each split key; all "" unless `value` has exactly `chars` digits."""
        whole = len(value) == self.chars
        values, start = {}, 0
        for part in self.split:
            values[part.key] = value[start:start + part.chars] if whole else ""
            start += part.chars
        return values

    @property
    def digit_rows(self) -> tuple[DigitRow, ...]:
        """The boxed digit rows of a digits or date field, in reading order."""
        if self.type == "digits":
            return (DigitRow(box=self.box, chars=self.chars or 0),)
        return self.parts


class Printing(BaseModel):
    """An earlier printing of a form whose pages are still in circulation: its QR (moved,
    and carrying the older version), the fields it printed otherwise (`fields`, by key; the
    rest lie where the current ones do) and its printed text when that differs (`notes`,
    all of them). Its blank PDF is `<form id>.v<version>.pdf` beside the field map."""

    model_config = ConfigDict(frozen=True)

    version: int
    qr: Box
    fields: tuple[FieldSpec, ...] = ()
    notes: tuple[TextNote, ...] | None = None
    blank_pdf: Path | None = Field(default=None, exclude=True)


class FormSpec(BaseModel):
    """A form (one version of it): page size, registration features and fields in form order."""

    model_config = ConfigDict(frozen=True)

    form_id: str
    version: int
    title: str
    page_mm: tuple[float, float]
    marks: tuple[Mark, Mark, Mark, Mark]
    qr: Box
    notes: tuple[TextNote, ...] = ()
    frames: tuple[Frame, ...] = ()
    fields: tuple[FieldSpec, ...]
    earlier: tuple[Printing, ...] = ()
    after_commit: tuple[str, ...] = ()
    """Fields a person looks at after the record is in the ledger (the questionnaire): a
    doubt about them is flagged, and does not hold the record back. Every other field, the
    ones the ledger record is made of, blocks the commit while it is doubtful. A city sets
    this per form; the reader itself reads every field alike."""
    blank_pdf: Path | None = Field(default=None, exclude=True)
    """The printable blank form beside the field map, set by `load_forms`: the reader compares
    a page with it to tell what was printed from what was written (see ocr.template)."""

    @model_validator(mode="after")
    def _check_unique_keys(self) -> FormSpec:
        keys = self.output_keys
        if len(keys) != len(set(keys)):
            raise ValueError(f"{self.form_id}: duplicate field keys")
        unknown = set(self.after_commit) - set(keys)
        if unknown:
            raise ValueError(f"{self.form_id}: after_commit names no field: {sorted(unknown)}")
        return self

    def __hash__(self) -> int:
        """By name and version only: the readers key their per-form caches by the spec, and
        pydantic's own hash walks every field of the form on each lookup (9 ms a page).
        Equal specs still compare whole."""
        return hash((self.form_id, self.version))

    @property
    def vaccines(self) -> tuple[str, ...]:
        """The vaccines the form offers to tick (its vaccine field's options), none when it
        has no such field."""
        field = next((f for f in self.fields if f.key == "vaccine"), None)
        return tuple(option.value for option in field.options) if field is not None else ()

    @property
    def qr_payload(self) -> str:
        """What the form's QR code carries; `ocr.qrpayload.parse_qr_payload` reads it back."""
        return f"YOSHIN:{self.form_id}:{self.version}"

    def printing(self, version: int) -> FormSpec | None:
        """This form as printed in `version` (this one, or an earlier printing with its own QR
        place), or None when the form was never printed in that version."""
        if version == self.version:
            return self
        return next((self._as_printed(earlier) for earlier in self.earlier
                     if earlier.version == version), None)

    @property
    def printings(self) -> tuple[FormSpec, ...]:
        """This printing and each earlier one still in circulation, as its pages are read."""
        return (self, *(self._as_printed(earlier) for earlier in self.earlier))

    def _as_printed(self, earlier: Printing) -> FormSpec:
        printed = {field.key: field for field in earlier.fields}
        return self.model_copy(update={
            "version": earlier.version, "qr": earlier.qr, "earlier": (),
            "fields": tuple(printed.get(field.key, field) for field in self.fields),
            "notes": self.notes if earlier.notes is None else earlier.notes,
            "blank_pdf": earlier.blank_pdf})

    @property
    def output_keys(self) -> tuple[str, ...]:
        """Every key a page reading (and a truth JSON) of this form has, in form order."""
        return tuple(key for field in self.fields for key in field.output_keys)

    def field(self, key: str) -> FieldSpec:
        """The field with this key (KeyError if the form has none)."""
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)


def load_forms(directory: Path) -> dict[str, FormSpec]:
    """Every `*.json` field map in `directory`, by form id, with the blank PDFs beside it:
    the current printing's, and each earlier printing's own (`<form id>.v<version>.pdf`)."""
    forms: dict[str, FormSpec] = {}
    for path in sorted(directory.glob("*.json")):
        spec = FormSpec.model_validate_json(path.read_text(encoding="utf-8"))
        pdf = path.with_suffix(".pdf")
        earlier = tuple(printing.model_copy(update={"blank_pdf": _existing(
            path.with_name(f"{path.stem}.v{printing.version}.pdf"))}) for printing in spec.earlier)
        forms[spec.form_id] = spec.model_copy(update={"blank_pdf": _existing(pdf),
                                                      "earlier": earlier})
    return forms


def _existing(path: Path) -> Path | None:
    return path if path.exists() else None
