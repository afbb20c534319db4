"""Digital forms from contracted clinics: POST /api/clinic/forms (our JSON) and
POST /api/clinic/fhir/Immunization (FHIR R4). Each is stored as sent, becomes a page with
the clinic's values, and goes through the same matching, checks and commit as a scan:
straight into the ledger only when every check passes and the resident match is unique.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.clinic_forms import ClinicForm, Immunization
from ledger.checks.routing import decide
from models import Batch, Clinic, Document, FieldSource, FieldValue, Page, PageState, User, audit
from models.access import Action
from models.deps import DbSession, require
from models.storage import put

router = APIRouter(prefix="/api/clinic", tags=["clinic"])
ClinicCaller = Annotated[User, Depends(require(Action.CLINIC_SUBMIT))]
MAX_BODY_BYTES = 256 * 1024


class Received(BaseModel):
    page_id: int
    state: str
    reason: str
    resident_id: int | None
    problems: dict[str, str]


def _clinic(db: Session, user: User) -> Clinic:
    clinic = db.scalar(select(Clinic).where(Clinic.user_id == user.id))
    if clinic is None:
        raise HTTPException(403, "this token belongs to no contracted clinic")
    return clinic


async def _body(request: Request) -> dict:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise HTTPException(413, f"a form may be at most {MAX_BODY_BYTES} bytes")
    try:
        parsed = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HTTPException(400, f"the body is not JSON ({type(error).__name__})") from error
    if not isinstance(parsed, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return parsed


def _refused(error: ValidationError) -> HTTPException:
    """The problems by field, never the values sent (they are a person's health data)."""
    return HTTPException(422, [{"loc": list(e["loc"]), "msg": e["msg"]} for e in error.errors()])


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


def _receive(db: Session, user: User, form: ClinicForm, kind: str, sent: dict) -> Received:
    clinic = _clinic(db, user)
    raw = json.dumps(sent, ensure_ascii=False, sort_keys=True).encode()
    digest = _form_digest(clinic.clinic_code, raw)
    if _sent_before(db, user, digest, raw):
        raise HTTPException(409, "this form was submitted before")
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


@router.post("/forms", status_code=status.HTTP_201_CREATED)
async def submit_form(request: Request, db: DbSession, user: ClinicCaller) -> Received:
    """Our own JSON form (see intake.clinic_forms.ClinicForm)."""
    sent = await _body(request)
    try:
        form = ClinicForm.model_validate(sent)
    except ValidationError as error:
        raise _refused(error) from error
    return _receive(db, user, form, "clinic-json", sent)


@router.post("/fhir/Immunization", status_code=status.HTTP_201_CREATED)
async def submit_immunization(request: Request, db: DbSession, user: ClinicCaller) -> Received:
    """A FHIR R4 Immunization with its Patient contained."""
    sent = await _body(request)
    try:
        form = Immunization.model_validate(sent).form()
    except ValidationError as error:
        raise _refused(error) from error
    except ValueError as error:
        raise HTTPException(422, "occurrenceDateTime is not a date") from error
    return _receive(db, user, form, "clinic-fhir", sent)
