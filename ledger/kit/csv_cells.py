"""Cells of the CSV files the service writes, made safe to open in a spreadsheet program.

Excel and LibreOffice read a cell that begins with `=`, `+`, `-` or `@` as a formula (and a
leading tab or carriage return can hide one), so a value from a register import, a clinic's
submission, a correction or another municipality such as `=HYPERLINK(...)` would run on the
machine of the supervisor who opens the report (CSV injection). Every CSV writer of the
service writes through `writer` here, which prefixes such a text cell with a single quote,
as OWASP advises: the spreadsheet shows the value as text, quote included, and a person can
see that it was escaped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may take for the start of a formula (OWASP, CSV injection)."""


def escape_cell(value: object) -> object:
    """The value as it may stand in a cell: text that a spreadsheet would read as a formula
    gets a leading single quote. Numbers, dates and None are left as they are: they are the
    program's own values, not text someone typed, and are written as plain numbers or dates."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def escape_row(row: Iterable[object]) -> list[object]:
    return [escape_cell(value) for value in row]


class CellWriter:
    """csv.writer whose every row goes through escape_row; writerow answers what the
    handle's write answered (so a writer over an echoing handle yields each line)."""

    def __init__(self, handle: SupportsWrite[str]) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow(escape_row(row))


def writer(handle: SupportsWrite[str]) -> CellWriter:
    """The one way the service writes CSV (reports, bulk transfer results)."""
    return CellWriter(handle)
