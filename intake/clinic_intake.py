"""Receiving a contracted clinic's digital form: stored as sent, it becomes a page with the
clinic's values and goes through the same matching, checks and commit as a scan. The rules
live here, apart from the HTTP routes (intake/clinic_api.py), which run them in a worker
thread: they touch the database and the blob store, and must not hold up the event loop.
"""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.clinic_forms import ClinicForm
from ledger.checks.routing import decide
from ledger.clinics.repository import clinic_of_account
from models import Batch, Clinic, Document, FieldSource, FieldValue, Page, PageState, User, audit
from models.blobs import put


class NotAClinic(Exception):
    """The caller's account belongs to no contracted clinic."""


class SentBefore(Exception):
    """This clinic sent the same form already."""


class Received(BaseModel):
    page_id: int
    state: str
    reason: str
    resident_id: int | None
    problems: dict[str, str]


def _clinic(db: Session, user: User) -> Clinic:
    clinic = clinic_of_account(db, user.id)
    if clinic is None:
        raise NotAClinic("this token belongs to no contracted clinic")
    return clinic


def _form_digest(clinic_code: str, raw: bytes) -> str:
    """The form's identity for duplicate detection, per clinic: a form is a duplicate only
    of one the same clinic sent. Were it the content alone, a clinic sending a form another
    clinic had sent would learn so from a 409 (that someone was vaccinated, and where)."""
    return hashlib.sha256(f"clinic:{clinic_code}\n".encode() + raw).hexdigest()


def _sent_before(db: Session, user: User, digest: str, raw: bytes) -> bool:
    """This clinic sent the same form already (also as stored before digests were per
    clinic: the content's own hash, in a batch of this clinic's account)."""
    if db.scalar(select(Document.id).where(Document.sha256 == digest)) is not None:
        return True
    return db.scalar(select(Document.id).join(Batch, Document.batch_id == Batch.id).where(
        Document.sha256 == hashlib.sha256(raw).hexdigest(),
        Batch.created_by_id == user.id)) is not None


def receive(db: Session, *, user: User, form: ClinicForm, kind: str, sent: dict) -> Received:
    """The form as a page, matched, checked and routed; nothing is committed here."""
    clinic = _clinic(db, user)
    raw = json.dumps(sent, ensure_ascii=False, sort_keys=True).encode()
    digest = _form_digest(clinic.clinic_code, raw)
    if _sent_before(db, user, digest, raw):
        raise SentBefore("this form was submitted before")
    values = form.values(clinic.clinic_code, clinic.name)
    batch = Batch(label=f"clinic {clinic.clinic_code}", created_by_id=user.id)
    document = Document(batch=batch, sha256=digest, filename=f"{kind}.json",
                        media_type="application/json", size_bytes=len(raw), page_count=1)
    page = Page(batch=batch, document=document, sequence=1, page_number=1,
                image_sha256=put(raw)[0], state=PageState.QUEUED, form_id=kind, form_version=1)
    db.add_all([batch, document, page])
    page.fields = [FieldValue(key=key, position=position, value=value,
                              source=FieldSource.CLINIC, created_by_id=user.id)
                   for position, (key, value) in enumerate(values.items())]
    page.move_to(PageState.READING)
    db.flush()
    decide(db, page, values)
    audit.record(db, actor=user.username, action="clinic.form.receive",
                 resident_id=page.resident_id, subject=f"page:{page.id}",
                 detail={"kind": kind, "state": page.state})
    return Received(page_id=page.id, state=page.state, reason=page.state_reason,
                    resident_id=page.resident_id,
                    problems={f.key: f.problem for f in page.current_fields().values()
                              if f.problem})
