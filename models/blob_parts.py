"""Uploaded files and page images kept in the database (`blob_store=database`), a megabyte
to a row, so that machines sharing only PostgreSQL reach the same files."""

from __future__ import annotations

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

PART_BYTES = 1 << 20
"""Small enough that no row ever sits in memory whole on either side; large enough that a
500-page PDF is a few hundred rows."""


class BlobPart(Base):
    """Part `part` of the file whose SHA-256 is `sha256`. A file's parts are written in one
    transaction, so a file is either whole or absent."""

    __tablename__ = "blob_parts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    part: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
