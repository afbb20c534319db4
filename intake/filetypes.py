"""Knowing a file by its content, not its name: a text file called .pdf is still text."""

from __future__ import annotations

from intake.errors import UploadRejected

PDF = "application/pdf"
TIFF = "image/tiff"
PNG = "image/png"
JPEG = "image/jpeg"

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
)


def sniff(filename: str, data: bytes) -> str:
    if not data:
        raise UploadRejected(f"{filename}: the file is empty")
    if b"%PDF-" in data[:1024]:
        return PDF
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    raise UploadRejected(
        f"{filename}: not a PDF, TIFF, PNG or JPEG file, whatever its name says", status=415
    )
