"""Machine-readable field maps: the single source of a form's geometry.

The blank-form generator draws from these models and the recogniser reads with them, so a
layout change made in the JSON reaches both sides at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

Box = tuple[float, float, float, float]
"""x, y, w, h in mm from the top-left corner of the page."""

FieldType = Literal["digits", "date", "text", "choice", "check"]


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

    @model_validator(mode="after")
    def _check_type_attributes(self) -> FieldSpec:
        """Fail when the map is loaded rather than half-way through reading a batch."""
        if self.type == "digits" and not self.chars:
            raise ValueError(f"{self.key}: digits field needs chars")
        if self.type == "date" and [p.chars for p in self.parts] != [4, 2, 2]:
            raise ValueError(f"{self.key}: date field needs parts of 4, 2 and 2 digits")
        if self.type == "text" and self.lang is None:
            raise ValueError(f"{self.key}: text field needs lang")
        if self.type == "choice" and len(self.options) < 2:
            raise ValueError(f"{self.key}: choice field needs at least two options")
        return self

    @property
    def digit_rows(self) -> tuple[DigitRow, ...]:
        """The boxed digit rows of a digits or date field, in reading order."""
        if self.type == "digits":
            return (DigitRow(box=self.box, chars=self.chars or 0),)
        return self.parts


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
    fields: tuple[FieldSpec, ...]

    @model_validator(mode="after")
    def _check_unique_keys(self) -> FormSpec:
        keys = [f.key for f in self.fields]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{self.form_id}: duplicate field keys")
        return self

    @property
    def qr_payload(self) -> str:
        """What the form's QR code carries; `ocr.qrpayload.parse_qr_payload` reads it back."""
        return f"YOSHIN:{self.form_id}:{self.version}"

    def field(self, key: str) -> FieldSpec:
        """The field with this key (KeyError if the form has none)."""
        for spec in self.fields:
            if spec.key == key:
                return spec
        raise KeyError(key)


def load_forms(directory: Path) -> dict[str, FormSpec]:
    """Every `*.json` field map in `directory`, by form id."""
    forms: dict[str, FormSpec] = {}
    for path in sorted(directory.glob("*.json")):
        spec = FormSpec.model_validate_json(path.read_text(encoding="utf-8"))
        forms[spec.form_id] = spec
    return forms
