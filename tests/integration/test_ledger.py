"""The register import, My Number at rest, the audit chain and the ledger's refusal of a
second write of the same dose."""

from __future__ import annotations

import csv
import secrets
from pathlib import Path

import pytest
from sqlalchemy import select, text

from ledger.kit.identifiers import is_valid_local_government_code, is_valid_my_number
from ledger.records.commit import CommitRefused, commit_page
from ledger.residents import my_number
from ledger.residents.register_import import (
    LOTS,
    RESIDENTS,
    TICKETS,
    ImportRefused,
    import_lots,
    import_residents,
    import_tickets,
    read_rows,
)
from models import (
    Batch,
    Document,
    FieldSource,
    FieldValue,
    Page,
    PageState,
    Resident,
    Role,
    User,
    audit,
)
from models.db import session_scope
from tests.inprocess import make_user


def test_check_digits() -> None:
    assert is_valid_local_government_code("122076")
    assert not is_valid_local_government_code("122077")
    assert is_valid_my_number("123456789018")
    assert not is_valid_my_number("123456789011")


def _register(sample_set) -> list[dict[str, str]]:  # noqa: ANN001
    return read_rows(sample_set.residents_csv, RESIDENTS)


def test_import_keeps_my_number_only_encrypted(inprocess_db: Path, sample_set) -> None:  # noqa: ANN001
    rows = _register(sample_set)
    with session_scope() as session:
        summary = import_residents(session, rows, actor="test")
    assert summary.created + summary.updated == len(rows)
    with session_scope() as session:
        again = import_residents(session, rows, actor="test")
        assert again.created == 0 and again.updated == len(rows)
        resident = session.scalar(select(Resident).where(
            Resident.atena_number == rows[0]["atena_number"]))
        assert my_number.decrypt(resident.my_number_encrypted) == rows[0]["my_number"]
        assert resident.my_number_hash == my_number.lookup_hash(rows[0]["my_number"])
        dump = "\n".join(str(row) for row in session.execute(text("SELECT * FROM residents")))
        dump += "\n".join(str(row) for row in session.execute(text("SELECT * FROM audit_events")))
    assert not any(row["my_number"] in dump for row in rows)


def test_bad_my_number_is_refused_without_showing_it(tmp_path: Path, sample_set) -> None:  # noqa: ANN001
    rows = _register(sample_set)
    wrong = rows[1]["my_number"][:11] + str((int(rows[1]["my_number"][11]) + 1) % 10)
    rows[1]["my_number"] = wrong
    path = tmp_path / "register.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ImportRefused) as refused:
        read_rows(path, RESIDENTS)
    assert "line 3" in str(refused.value) and wrong not in str(refused.value)


def test_tickets_need_their_residents_and_lots_a_known_vaccine(inprocess_db: Path, sample_set,  # noqa: ANN001
                                                              tmp_path: Path) -> None:
    tickets = read_rows(sample_set.tickets_csv, TICKETS)
    lots = read_rows(sample_set.lots_csv, LOTS)
    with session_scope() as session:
        import_residents(session, _register(sample_set), actor="test")
        first = import_tickets(session, tickets, actor="test")
        assert first.created + first.updated == len(tickets) > 0
        import_lots(session, lots, actor="test")
        assert import_lots(session, lots, actor="test").updated == len(lots) > 0
    stray = tmp_path / "tickets.csv"
    stray.write_text("ticket_number,atena_number,municipality_code,ticket_kind,ticket_dose\n"
                     "1234567890,9999999999,122076,1,1\n", encoding="utf-8")
    with session_scope() as session, pytest.raises(ImportRefused, match="no resident"):
        import_tickets(session, read_rows(stray, TICKETS), actor="test")
    stray.write_text("ticket_number,atena_number,municipality_code,ticket_kind,ticket_dose\n"
                     "1234567890,9999999999,122077,1,1\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="line 2: municipality_code"):
        read_rows(stray, TICKETS)
    bad_lot = tmp_path / "lots.csv"
    bad_lot.write_text("lot_number,vaccine,manufacturer\nAB1234,sputnik,x\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="vaccine must be one of"):
        read_rows(bad_lot, LOTS)


def _page_with(session, values: dict[str, str], resident_id: int) -> Page:  # noqa: ANN001
    batch = Batch(created_by_id=session.scalars(select(User)).first().id)
    document = Document(batch=batch, sha256=secrets.token_hex(32), filename="x.png",
                        media_type="image/png", size_bytes=1, page_count=1)
    page = Page(batch=batch, document=document, sequence=1, page_number=1, image_sha256="0",
                state=PageState.IN_REVIEW, resident_id=resident_id)
    page.fields = [FieldValue(key=k, value=v, source=FieldSource.REVIEWER, position=i)
                   for i, (k, v) in enumerate(values.items())]
    session.add(page)
    session.flush()
    return page


def test_second_write_of_a_dose_is_refused(inprocess_db: Path, sample_set) -> None:  # noqa: ANN001
    values = {"vaccine": "pfizer", "dose_number": "2", "vaccination_date": "2022-01-05",
              "lot_number": "FF5357"}
    make_user(Role.SCANNER)
    with session_scope() as session:
        import_residents(session, _register(sample_set), actor="test")
        resident = session.scalars(select(Resident)).first()
        first = commit_page(session, _page_with(session, values, resident.id), actor="t",
                            user_id=None)
        assert first.page_id is not None
        with pytest.raises(CommitRefused, match="already in the ledger"):
            commit_page(session, _page_with(session, values, resident.id), actor="t",
                        user_id=None)
        with pytest.raises(CommitRefused, match="not pass validation"):
            commit_page(session, _page_with(session, {**values, "dose_number": "3",
                                                      "vaccination_date": "2099-01-01"},
                                             resident.id), actor="t", user_id=None)
        session.rollback()


def test_audit_chain_detects_change_and_gap(inprocess_db: Path) -> None:
    with session_scope() as session:
        for n in range(3):
            audit.record(session, actor="test", action="probe", detail={"n": n})
    with session_scope() as session:
        count, problems = audit.verify(session)
        assert count >= 3 and problems == []
        last_ids = [e.id for e in session.scalars(
            select(audit.AuditEvent).order_by(audit.AuditEvent.id.desc()).limit(3))]
        session.execute(text("UPDATE audit_events SET actor = 'someone' WHERE id = :id"),
                        {"id": last_ids[1]})
        assert [p.event_id for p in audit.verify(session)[1]] == [last_ids[1]]
        session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": last_ids[1]})
        assert [p.event_id for p in audit.verify(session)[1]] == [last_ids[0]]
        session.rollback()


def test_reimport_records_moving_out_and_death(inprocess_db: Path, tmp_path: Path) -> None:
    header = "atena_number,my_number,name,name_kana,birth_date,sex,address"
    atena = f"MV{secrets.token_hex(4)}"
    first = tmp_path / "first.csv"
    first.write_text(f"{header}\n{atena},,転出 予定,テンシュツ ヨテイ,1950-01-01,F,松戸市\n",
                     encoding="utf-8")
    later = tmp_path / "later.csv"
    later.write_text(f"{header},moved_out_on,died_on\n"
                     f"{atena},,転出 予定,テンシュツ ヨテイ,1950-01-01,F,松戸市,2025-03-31,\n",
                     encoding="utf-8")
    with session_scope() as session:
        assert import_residents(session, read_rows(first, RESIDENTS), actor="test").created == 1
    with session_scope() as session:
        assert import_residents(session, read_rows(later, RESIDENTS), actor="test").updated == 1
        resident = session.scalar(select(Resident).where(Resident.atena_number == atena))
        assert (str(resident.moved_out_on), resident.died_on) == ("2025-03-31", None)
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{header},moved_out_on,died_on\n"
                   f"{atena},,転出 予定,テンシュツ ヨテイ,1950-01-01,F,松戸市,,someday\n",
                   encoding="utf-8")
    with pytest.raises(ImportRefused, match="line 2: died_on"):
        read_rows(bad, RESIDENTS)


def test_the_register_may_give_a_postal_code_in_either_spelling(inprocess_db: Path,
                                                                  tmp_path: Path) -> None:
    header = "atena_number,my_number,name,name_kana,birth_date,sex,address,postal_code"
    atena = [f"PC{secrets.token_hex(4)}" for _ in range(3)]
    good = tmp_path / "good.csv"
    good.write_text(f"{header}\n{atena[0]},,郵便 一,ユウビン イチ,1950-01-01,F,松戸市,2710077\n"
                    f"{atena[1]},,郵便 二,ユウビン ニ,1950-01-01,F,松戸市,270-0021\n"
                    f"{atena[2]},,郵便 三,ユウビン サン,1950-01-01,F,松戸市,\n", encoding="utf-8")
    with session_scope() as session:
        import_residents(session, read_rows(good, RESIDENTS), actor="test")
        codes = [session.scalar(select(Resident.postal_code).where(Resident.atena_number == a))
                 for a in atena]
    assert codes == ["271-0077", "270-0021", ""]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{header}\n{atena[0]},,郵便 一,ユウビン イチ,1950-01-01,F,松戸市,271-77\n",
                   encoding="utf-8")
    with pytest.raises(ImportRefused, match="line 2: postal_code"):
        read_rows(bad, RESIDENTS)
