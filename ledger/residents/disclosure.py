"""開示請求: everything the city holds about one person, in one document.

The person is entitled to see what is kept about them: the register entry, tickets, every
ledger record with all its versions, the forms read for them with each field's value and
who set it, certificates issued, what was sent to or received from other municipalities,
and the audit trail of who looked at or changed their data. The My Number itself is not
written out (the answer is handed over on paper after identity checks; the number is
confirmed there by staff, not carried in a file that may be forwarded).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.certificates.service import certificates_of
from ledger.records.items import ledger_items
from models import (
    AuditEvent,
    LedgerRecord,
    Page,
    Provision,
    RecordVersion,
    Resident,
    Ticket,
)
from models.base import utcnow


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _row(obj: Any, *names: str) -> dict[str, Any]:
    return {name: _iso(getattr(obj, name)) for name in names}


def disclosure(session: Session, resident: Resident) -> dict[str, Any]:
    rid = resident.id
    records = session.scalars(select(LedgerRecord).where(LedgerRecord.resident_id == rid)
                              .order_by(LedgerRecord.id)).all()
    versions = session.scalars(select(RecordVersion).where(
        RecordVersion.record_id.in_([r.id for r in records])).order_by(RecordVersion.id)).all()
    pages = session.scalars(select(Page).where(Page.resident_id == rid).order_by(Page.id)).all()
    return {
        "prepared_at": utcnow().isoformat(),
        "resident": {
            **_row(resident, "atena_number", "name", "name_kana", "birth_date", "sex",
                   "address", "moved_out_on", "died_on", "created_at", "updated_at"),
            "my_number": "held (not written out)" if resident.my_number_encrypted else "none",
        },
        "tickets": [_row(t, "ticket_number", "municipality_code", "ticket_kind",
                         "ticket_dose", "created_at")
                    for t in session.scalars(select(Ticket).where(Ticket.resident_id == rid))],
        "ledger_records": [
            {**_row(r, "id", "vaccine", "dose_number", "vaccinated_on", "lot_number",
                    "clinic_code", "source", "origin", "page_id", "version", "voided_at",
                    "void_reason", "created_at"),
             "items": ledger_items(session, r, resident),
             "versions": [_row(v, "version", "action", "state", "reason", "actor", "at")
                          for v in versions if v.record_id == r.id]}
            for r in records
        ],
        "forms": [
            {**_row(p, "id", "batch_id", "page_number", "state", "state_reason", "form_id",
                    "read_at", "decided_at"),
             "fields": [_row(f, "key", "value", "confidence", "source", "created_at")
                        for f in p.fields]}
            for p in pages
        ],
        "certificates": [
            _row(c, "certificate_id", "issued_at", "issued_by", "content_sha256",
                 "revoked_at", "revoke_reason")
            for c in certificates_of(session, rid)
        ],
        "provisions": [
            _row(p, "at", "direction", "peer_code", "found", "records", "actor")
            for p in session.scalars(select(Provision).where(Provision.resident_id == rid)
                                     .order_by(Provision.id))
        ],
        "access_log": [
            _row(e, "at", "actor", "action", "subject")
            for e in session.scalars(select(AuditEvent).where(AuditEvent.resident_id == rid)
                                     .order_by(AuditEvent.id))
        ],
    }
