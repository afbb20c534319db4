"""Receiving a batch: check every file, store it, create its rows, queue its pages.

The upload is answered as soon as its files are safely stored: the body is streamed into the
store (never whole in memory), checked there, and each page recorded; the queue then renders
each page from the stored file (intake.splitting) and reads it. Order matters: nothing is
kept until every file has passed its checks, and pages are queued only after the caller's
commit (see `workers.dispatch`). So a refused upload leaves no row and no file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.errors import AlreadyUploaded, Refused, UploadRejected
from intake.pages import Inspected, inspect
from models import Batch, Document, Page, PageState, User, audit, blobs, storage
from models.settings import get_settings
from workers.dispatch import read_after_commit, split_after_commit

COPY_BLOCK = 1 << 20


@dataclass(frozen=True)
class Upload:
    """A file received into the store's incoming area, not yet stored under its hash."""

    filename: str
    path: Path
    sha256: str
    size: int


class StoredBlobs:
    """The files this upload created, so a failure can take back exactly those."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def put_file(self, path: Path, sha256: str) -> str:
        sha, created = blobs.put_file(path, sha256)
        if created:
            self.created.append(sha)
        return sha

    def discard(self) -> None:
        for sha in self.created:
            blobs.remove(sha)
        self.created.clear()


def _refuse_duplicates(session: Session, uploads: list[Upload]) -> None:
    seen: dict[str, str] = {}
    for upload in uploads:
        if upload.sha256 in seen:
            raise UploadRejected(
                f"{upload.filename}: the same file as {seen[upload.sha256]} in this upload", 409)
        seen[upload.sha256] = upload.filename
    for upload in uploads:
        earlier = session.scalar(select(Document).where(Document.sha256 == upload.sha256))
        if earlier is not None:
            raise AlreadyUploaded(
                f"{upload.filename}: this file was already uploaded in batch {earlier.batch_id} "
                f"as {earlier.filename}", earlier.batch_id,
            )


def read_upload(filename: str | None, stream: BinaryIO) -> Upload:
    """The file as sent, copied a block at a time into the store's incoming area while its
    hash is taken; refused (413) past the size limit without reading it all. The caller
    removes it with `discard_uploads` unless `create_batch` stored it."""
    limit = get_settings().max_upload_bytes
    name = filename or "upload"
    path = storage.incoming_file()
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("wb") as handle:
            while block := stream.read(COPY_BLOCK):
                size += len(block)
                if size > limit:
                    raise UploadRejected(f"{name}: larger than {limit} bytes", 413)
                digest.update(block)
                handle.write(block)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Upload(name, path, digest.hexdigest(), size)


def discard_uploads(uploads: list[Upload]) -> None:
    """Remove what is left of received files (a stored one has moved away already)."""
    for upload in uploads:
        upload.path.unlink(missing_ok=True)


@contextmanager
def received_files(paths: Sequence[Path]) -> Iterator[list[Upload]]:
    """Files on disk received as uploads, as `received` does for the streams of a request."""
    with ExitStack() as files, received(
            [(path.name, files.enter_context(path.open("rb"))) for path in paths]) as uploads:
        yield uploads


@contextmanager
def received(named_streams: Sequence[tuple[str | None, BinaryIO]]) -> Iterator[list[Upload]]:
    """The streams received as uploads for the block, whatever is left of them removed after."""
    uploads: list[Upload] = []
    try:
        for name, stream in named_streams:
            uploads.append(read_upload(name, stream))
        yield uploads
    finally:
        discard_uploads(uploads)


def retry(session: Session, page: Page, *, user: User) -> None:
    """Give a failed page another round of reading (of splitting, when its image was never
    made), with a fresh count of attempts; queued after the caller's commit."""
    if page.state != PageState.FAILED:
        raise Refused(f"page {page.id} is {page.state}; only a failed page is retried", 409)
    page.attempts = 0
    audit.record(session, actor=user.username, action="page.retry", subject=f"page:{page.id}")
    if page.image_sha256 is None:
        page.move_to(PageState.RECEIVED, f"split again, asked by {user.username}")
        split_after_commit(session, [page.id])
    else:
        page.move_to(PageState.QUEUED, f"retry asked by {user.username}")
        read_after_commit(session, [page.id])


def create_batch(session: Session, user: User, uploads: list[Upload], label: str = "",
                 blobs: StoredBlobs | None = None, queue: bool = True) -> Batch:
    """Flushes the rows; the caller commits. On a refusal, nothing this call stored remains.
    Each page of a file to render waits `received` for the queue to split it; a single PNG
    or JPEG is its own image and is queued for reading at once. `queue=False` leaves the
    pages for a caller that splits and reads them itself (`yoshin eval`)."""
    if not uploads:
        raise UploadRejected("no files were sent")
    settings = get_settings()
    _refuse_duplicates(session, uploads)
    checked: list[Inspected] = [inspect(u.filename, u.path, settings) for u in uploads]
    blobs = blobs or StoredBlobs()
    try:
        batch = Batch(label=label, created_by_id=user.id)
        session.add(batch)
        sequence = 0
        for upload, info in zip(uploads, checked, strict=True):
            sha = blobs.put_file(upload.path, upload.sha256)
            document = Document(batch=batch, sha256=sha, filename=upload.filename[:255],
                                media_type=info.media_type, size_bytes=upload.size,
                                page_count=info.page_count)
            session.add(document)
            for number in range(1, info.page_count + 1):
                sequence += 1
                session.add(Page(batch=batch, document=document, sequence=sequence,
                                 page_number=number,
                                 image_sha256=sha if info.kept_as_sent else None,
                                 state=PageState.QUEUED if info.kept_as_sent
                                 else PageState.RECEIVED))
        session.flush()
        audit.record(session, actor=user.username, action="batch.upload",
                     subject=f"batch:{batch.id}",
                     detail={"files": len(uploads), "pages": sequence})
    except BaseException:
        blobs.discard()
        raise
    if queue:
        read_after_commit(session, [p.id for p in batch.pages if p.state == PageState.QUEUED])
        split_after_commit(session, [p.id for p in batch.pages if p.state == PageState.RECEIVED])
    return batch
