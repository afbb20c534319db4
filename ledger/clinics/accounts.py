"""API accounts of contracted clinics: one per clinic, of role `clinic`, whose token the
clinic's system submits digital forms with. A submission is always in the name of the
clinic the token belongs to."""

from __future__ import annotations

from sqlalchemy.orm import Session

from accounts.users import replace_tokens
from ledger.clinics.repository import clinic_by_code
from models import Role, User, audit


class ClinicUnknown(Exception):
    pass


def issue_token(session: Session, clinic_code: str, *, actor: str) -> str:
    """A new token for the clinic (earlier ones are revoked); shown once, kept hashed."""
    clinic = clinic_by_code(session, clinic_code)
    if clinic is None:
        raise ClinicUnknown(f"no contracted clinic {clinic_code}; import the clinics first")
    user = session.get(User, clinic.user_id) if clinic.user_id else None
    if user is None:
        user = User(username=f"clinic-{clinic_code}", display_name=clinic.name,
                    role=Role.CLINIC)
        session.add(user)
        session.flush()
        clinic.user_id = user.id
    token = replace_tokens(user, f"clinic {clinic_code}")
    audit.record(session, actor=actor, action="clinic.token.issue",
                 subject=f"clinic:{clinic_code}")
    return token

