"""The ledger's retention period, enforced: a resident's 予防接種台帳 is kept until
`retention_ledger_years` after their death or moving out, then removed — the records and
every version of them, the tickets, the values read from their forms, the forms' images —
with one audit entry per person saying what went.

The register row itself stays, emptied of name, reading, address and My Number: the audit
log (which may never change) and the certificates issued name it by id. A person who moves
back in is a new register entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from models import FieldValue, LedgerRecord, Page, RecordVersion, Resident, Ticket, audit
from models.base import utcnow

EMPTIED = "（保存期間満了）"


@dataclass(frozen=True)
class Removed:
    residents: int
    records: int
    images: set[str]
    """The page images to delete after the commit (if no other page keeps them)."""


def _until(day: date, years: int) -> date:
    """The last day of a period of `years` counted from the day after `day` (民法第140条
    and 第143条): the same date `years` on, or the month's last day when it has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return date(day.year + years, 2, 28)


def remove_expired_ledgers(session: Session, today: date, years: int) -> Removed:
    """Remove the ledgers whose period ended before `today`."""
    candidates = session.scalars(select(Resident).where(
        Resident.ledger_removed_at.is_(None),
        or_(Resident.died_on < today, Resident.moved_out_on < today))).all()
    residents, records = 0, 0
    images: set[str] = set()
    for resident in candidates:
        left = resident.died_on or resident.moved_out_on
        if left is None or _until(left, years) >= today:
            continue
        ids = list(session.scalars(select(LedgerRecord.id).where(
            LedgerRecord.resident_id == resident.id)))
        session.execute(delete(RecordVersion).where(RecordVersion.record_id.in_(ids)))
        session.execute(delete(LedgerRecord).where(LedgerRecord.id.in_(ids)))
        session.execute(delete(Ticket).where(Ticket.resident_id == resident.id))
        pages = session.scalars(select(Page).where(or_(
            Page.resident_id == resident.id, Page.reader_resident_id == resident.id))).all()
        for page in pages:
            session.execute(delete(FieldValue).where(FieldValue.page_id == page.id))
            images.update(sha for sha in (page.image_sha256, page.registered_sha256) if sha)
            page.image_purged_at = page.image_purged_at or utcnow()
        reason = "died" if resident.died_on else "moved_out"
        resident.name = resident.name_kana = EMPTIED
        resident.address = ""
        resident.my_number_hash = resident.my_number_encrypted = None
        resident.ledger_removed_at = utcnow()
        audit.record(session, actor="system", action="retention.ledger.remove",
                     resident_id=resident.id,
                     detail={"records": len(ids), "pages": len(pages), "reason": reason,
                             "left_on": left.isoformat(), "years": years})
        residents, records = residents + 1, records + len(ids)
    return Removed(residents, records, images)
