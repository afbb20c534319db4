"""The one error intake raises: a refusal a person can read, with the HTTP status it maps to."""

from __future__ import annotations


class UploadRejected(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
