"""Errors the recogniser raises for pages it cannot read as one of our forms."""

from __future__ import annotations


class RegistrationError(Exception):
    """The page could not be placed onto a known form; the message is meant for scanning staff."""
