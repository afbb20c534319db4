"""Every query of the contracted clinics (委託医療機関), so a clinic is found by its code, or
by its API account, the same way by the checks, the certificates and the clinic intake."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models import Clinic


def clinic_by_code(session: Session, code: str) -> Clinic | None:
    return session.scalar(select(Clinic).where(Clinic.clinic_code == code)) if code else None


def clinic_of_account(session: Session, user_id: int) -> Clinic | None:
    """The clinic whose API account this is, if any."""
    return session.scalar(select(Clinic).where(Clinic.user_id == user_id))


def all_clinics(session: Session) -> Sequence[Clinic]:
    return session.scalars(select(Clinic).order_by(Clinic.clinic_code)).all()


def any_clinic(session: Session) -> bool:
    """Whether the city has imported its clinic list at all (no list: no code is unknown)."""
    return bool(session.scalar(select(exists().select_from(Clinic))))
