"""Receiving a batch: check every file, store it and its pages, create the rows, queue reads.

Order matters: nothing is stored until every file has passed its checks; a file that fails
while its pages render takes back what this upload stored; pages are queued only after the
caller's commit (see `workers.dispatch`). So a refused upload leaves no row and no file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.errors import Refused, UploadRejected
from intake.pages import Inspected, inspect, render
from models import Batch, Document, Page, PageState, User, audit, storage
from models.settings import get_settings
from workers.dispatch import read_after_commit


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


class StoredBlobs:
    """The files this upload created, so a failure can take back exactly those."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def put(self, data: bytes) -> str:
        sha, created = storage.put(data)
        if created:
            self.created.append(sha)
        return sha

    def discard(self) -> None:
        for sha in self.created:
            storage.remove(sha)
        self.created.clear()


def _refuse_duplicates(session: Session, uploads: list[Upload]) -> list[str]:
    hashes = [storage.sha256_of(u.data) for u in uploads]
    seen: dict[str, str] = {}
    for upload, sha in zip(uploads, hashes, strict=True):
        if sha in seen:
            raise UploadRejected(f"{upload.filename}: the same file as {seen[sha]} in this upload",
                                 409)
        seen[sha] = upload.filename
    for upload, sha in zip(uploads, hashes, strict=True):
        earlier = session.scalar(select(Document).where(Document.sha256 == sha))
        if earlier is not None:
            raise UploadRejected(
                f"{upload.filename}: this file was already uploaded in batch {earlier.batch_id} "
                f"as {earlier.filename}", 409,
            )
    return hashes


def read_upload(filename: str | None, stream: BinaryIO) -> Upload:
    """The file as sent, refused (413) past the size limit without reading it all."""
    limit = get_settings().max_upload_bytes
    data = stream.read(limit + 1)
    name = filename or "upload"
    if len(data) > limit:
        raise UploadRejected(f"{name}: larger than {limit} bytes", 413)
    return Upload(name, data)


def retry(session: Session, page: Page, *, user: User) -> None:
    """Give a failed page another round of reading, with a fresh count of attempts; queued
    after the caller's commit."""
    if page.state != PageState.FAILED:
        raise Refused(f"page {page.id} is {page.state}; only a failed page is retried", 409)
    page.move_to(PageState.QUEUED, f"retry asked by {user.username}")
    page.attempts = 0
    audit.record(session, actor=user.username, action="page.retry", subject=f"page:{page.id}")
    read_after_commit(session, [page.id])


def create_batch(session: Session, user: User, uploads: list[Upload], label: str = "",
                 blobs: StoredBlobs | None = None, queue: bool = True) -> Batch:
    """Flushes the rows; the caller commits. On a refusal, nothing this call stored remains.
    `queue=False` leaves the pages for a caller that reads them itself (`yoshin eval`)."""
    if not uploads:
        raise UploadRejected("no files were sent")
    settings = get_settings()
    hashes = _refuse_duplicates(session, uploads)
    checked: list[Inspected] = [inspect(u.filename, u.data, settings) for u in uploads]
    blobs = blobs or StoredBlobs()
    try:
        batch = Batch(label=label, created_by_id=user.id)
        session.add(batch)
        sequence = 0
        for upload, sha, info in zip(uploads, hashes, checked, strict=True):
            blobs.put(upload.data)
            document = Document(batch=batch, sha256=sha, filename=upload.filename[:255],
                                media_type=info.media_type, size_bytes=len(upload.data),
                                page_count=info.page_count)
            session.add(document)
            for number, image in enumerate(render(info, upload.data, settings), start=1):
                sequence += 1
                session.add(Page(batch=batch, document=document, sequence=sequence,
                                 page_number=number, image_sha256=blobs.put(image),
                                 state=PageState.QUEUED))
        session.flush()
        audit.record(session, actor=user.username, action="batch.upload",
                     subject=f"batch:{batch.id}",
                     detail={"files": len(uploads), "pages": sequence})
    except BaseException:
        blobs.discard()
        raise
    if queue:
        read_after_commit(session, [page.id for page in batch.pages])
    return batch
