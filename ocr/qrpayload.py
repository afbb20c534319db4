"""The text carried by a form's QR code: `YOSHIN:<form id>:<version>`, and on a personal form
printed with a notice `YOSHIN:<form id>:<version>:<serial>` (16 base32 characters that tie
the form to a person, programme and dose in the ledger's notices)."""

from __future__ import annotations

import re

PREFIX = "YOSHIN"
SERIAL = re.compile(r"[A-Z2-7]{16}")


def parse_qr_payload(text: str) -> tuple[str, int] | None:
    """Form id and version, or None when the QR is not one of our forms' codes. A personal
    form's serial is left to the reading of notices; its form and version are read here."""
    parts = text.strip().split(":")
    if len(parts) == 4 and SERIAL.fullmatch(parts[3]):
        parts = parts[:3]
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


def serial_of(text: str) -> str:
    """The serial of a personal form's QR text; "" for a blank form's (or no QR)."""
    parts = text.strip().split(":")
    return parts[3] if len(parts) == 4 and parse_qr_payload(text) is not None else ""
