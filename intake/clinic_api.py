"""Digital forms from contracted clinics: POST /api/clinic/forms (our JSON) and
POST /api/clinic/fhir/Immunization (FHIR R4). The routes read and parse the body and map the
service's refusals to HTTP; receiving the form (intake/clinic_intake.py) runs in a worker
thread, since it touches the database and the blob store.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy.orm import Session

from accounts.access import Action
from accounts.deps import DbSession, require
from intake.clinic_forms import ClinicForm, Immunization
from intake.clinic_intake import NotAClinic, Received, SentBefore, receive
from models import User

router = APIRouter(prefix="/api/clinic", tags=["clinic"])
ClinicCaller = Annotated[User, Depends(require(Action.CLINIC_SUBMIT))]
MAX_BODY_BYTES = 256 * 1024


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


async def _receive(db: Session, user: User, form: ClinicForm, kind: str, sent: dict) -> Received:
    try:
        return await run_in_threadpool(receive, db, user=user, form=form, kind=kind, sent=sent)
    except NotAClinic as refused:
        raise HTTPException(403, str(refused)) from refused
    except SentBefore as refused:
        raise HTTPException(409, str(refused)) from refused


@router.post("/forms", status_code=status.HTTP_201_CREATED)
async def submit_form(request: Request, db: DbSession, user: ClinicCaller) -> Received:
    """Our own JSON form (see intake.clinic_forms.ClinicForm)."""
    sent = await _body(request)
    try:
        form = ClinicForm.model_validate(sent)
    except ValidationError as error:
        raise _refused(error) from error
    return await _receive(db, user, form, "clinic-json", sent)


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
    return await _receive(db, user, form, "clinic-fhir", sent)
