"""The text carried by a form's QR code: `YOSHIN:<form id>:<version>`."""

from __future__ import annotations

PREFIX = "YOSHIN"


def parse_qr_payload(text: str) -> tuple[str, int] | None:
    """Form id and version, or None when the QR is not one of our forms' codes."""
    parts = text.strip().split(":")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])
