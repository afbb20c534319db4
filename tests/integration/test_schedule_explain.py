"""`yoshin schedule explain RESIDENT` on the ledger: the resident's records in force judged by
the engine (valid, or the reason and its rule), what is due, and an audit entry for the
asking."""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from models import AuditEvent, LedgerRecord, RecordSource, Resident
from models.db import session_scope
from yoshin.cli import app


def _child_with_records() -> str:
    atena = f"9{secrets.randbelow(10**9):09d}"
    with session_scope() as session:
        child = Resident(atena_number=atena, name="予診 花子", name_kana="ヨシン ハナコ",
                         birth_date=date(2025, 6, 15), sex="F", address="松戸市根本387-5")
        session.add(child)
        session.flush()
        for dose, day in ((1, date(2025, 8, 14)), (2, date(2025, 9, 4)), (3, date(2025, 9, 20))):
            session.add(LedgerRecord(resident_id=child.id, vaccine="dpt_ipv_hib", dose_number=dose,
                                     vaccinated_on=day, lot_number="GB001A",
                                     source=RecordSource.SCAN))
    return atena


def test_explain_prints_each_dose_judged_and_what_is_due(inprocess_db: Path) -> None:
    atena = _child_with_records()
    result = CliRunner().invoke(app, ["schedule", "explain", atena, "--on", "2025-10-01"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "2025-08-14  五種混合  1期 初回 1回目  有効" in out
    assert "2025-09-20  五種混合  1期 初回 3回目  定期接種として無効" in out
    assert "2025-09-04の接種から20日以上の間隔が必要です（2025-09-25以降）" in out
    assert "根拠: 予防接種実施規則（ジフテリア等: 初回は20日以上の間隔をおいて3回）" in out
    assert "ポリオ・Hib） 1期 初回 3回目: 2025-09-25 から 2032-12-14 まで" in out
    assert "B型肝炎" in out and "インフルエンザ" not in out
    with session_scope() as session:
        resident_id = session.scalar(select(Resident.id).where(Resident.atena_number == atena))
        asked = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "schedule.explain", AuditEvent.resident_id == resident_id)).all()
    assert len(asked) == 1 and asked[0].detail == {"on": "2025-10-01"}


def test_an_unknown_resident_or_a_bad_day_is_refused(inprocess_db: Path) -> None:
    unknown = CliRunner().invoke(app, ["schedule", "explain", "NOBODY-1"])
    assert unknown.exit_code == 1 and "no resident with 宛名番号 NOBODY-1" in unknown.output
    bad = CliRunner().invoke(app, ["schedule", "explain", _child_with_records(), "--on", "soon"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
