"""The serials of personal forms: opaque, random, and one valid per person, programme and
dose (printing a form again withdraws the serial before)."""

from __future__ import annotations

import base64
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import NoticeRun, NoticeSerial
from models.base import utcnow

SERIAL_BYTES = 10
"""80 random bits, 16 base32 characters: no guessing a serial of a form one never held."""


def new_serial() -> str:
    return base64.b32encode(secrets.token_bytes(SERIAL_BYTES)).decode()


def issue(session: Session, run: NoticeRun, *, resident_id: int, programme: str, dose: int,
          form_id: str) -> NoticeSerial:
    session.execute(update(NoticeSerial).where(
        NoticeSerial.resident_id == resident_id, NoticeSerial.programme == programme,
        NoticeSerial.dose == dose, NoticeSerial.withdrawn_at.is_(None)).values(
        withdrawn_at=utcnow()))
    serial = NoticeSerial(serial=new_serial(), run_id=run.id, resident_id=resident_id,
                          programme=programme, dose=dose, form_id=form_id)
    session.add(serial)
    return serial


def valid_serials(session: Session, resident_id: int) -> list[NoticeSerial]:
    return list(session.scalars(select(NoticeSerial).where(
        NoticeSerial.resident_id == resident_id, NoticeSerial.withdrawn_at.is_(None))))
