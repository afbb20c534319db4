"""A notice run (個別通知): the engine's targets for a programme and month, a letter and a
personal 予診票 each in one PDF with the person's identity printed in place and a QR carrying
the form and an opaque serial, a mailing CSV, an audit entry; a reprint leaves one valid
serial per person and dose."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from pdf2image import convert_from_path
from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

from models import AuditEvent, NoticeSerial, Resident
from models.db import session_scope
from yoshin.cli import app


def _child(birth: date, name: str, postal_code: str = "") -> int:
    """A child of the test's own; the mailing's order (postal code, address, then 宛名番号)
    follows birth among children of one address and no postal code."""
    with session_scope() as session:
        child = Resident(atena_number=f"N{birth:%Y%m%d}{secrets.token_hex(3)}", name=name,
                         name_kana="ツウチ タロウ", birth_date=birth, sex="M",
                         address="千葉県松戸市根本387番地の5", postal_code=postal_code)
        session.add(child)
        session.flush()
        return child.id


def _run(out: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["notices", "run", "--out", str(out), *args],
                                env={"COLUMNS": "200"})
    return result.exit_code, result.output


def _serials() -> list[NoticeSerial]:
    with session_scope() as session:
        return list(session.scalars(select(NoticeSerial).order_by(NoticeSerial.id)))


def test_a_run_prints_a_letter_and_a_personal_form_for_each_new_target(
        inprocess_db: Path, tmp_path: Path) -> None:
    # MR 1期 from the day 12 months are reached: 2026-12-09 and 2026-12-30 are in December,
    # 2026-11-14 is not (due already, and not yet past its days)
    first = _child(date(2025, 12, 10), "通知 一郎")
    second = _child(date(2025, 12, 31), "通知 二郎")
    _child(date(2025, 11, 15), "通知 三郎")
    code, output = _run(tmp_path, "--programme", "mr", "--month", "2026-12")
    assert code == 0, output
    assert "2 people (0 reminded)" in output
    pdf = next(tmp_path.glob("notices-*.pdf"))
    reader = PdfReader(pdf)
    assert len(reader.pages) == 4
    letter, form = reader.pages[0].extract_text(), reader.pages[1].extract_text()
    assert "通知 一郎 様" in letter and "2026年12月9日 から 2027年12月9日 まで" in letter
    assert "通知 一郎" in form and "ツウチ タロウ" in form and "千葉県松戸市根本387番地の5" in form
    serials = _serials()
    assert [(s.resident_id, s.programme, s.dose, s.form_id, s.withdrawn_at) for s in serials] \
        == [(first, "mr", 1, "child", None), (second, "mr", 1, "child", None)]
    image = np.asarray(convert_from_path(str(pdf), dpi=150, first_page=2, last_page=2,
                                         grayscale=True)[0])
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [
        f"YOSHIN:child:2:{serials[0].serial}"]
    mailing = list(csv.DictReader(io.StringIO(
        next(tmp_path.glob("mailing-*.csv")).read_text(encoding="utf-8-sig"))))
    assert [(row["pages"], row["serial"], row["reminder"]) for row in mailing] == [
        ("1-2", serials[0].serial, "0"), ("3-4", serials[1].serial, "0")]
    with session_scope() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "notices.run")).one()
    assert event.detail == {"programme": "mr", "month": "2026-12", "reminders": False,
                            "people": 2, "reminded": 0}


def test_the_mailing_goes_by_postal_code_those_without_one_last(
        inprocess_db: Path, tmp_path: Path) -> None:
    unknown = _child(date(2025, 12, 10), "郵便 なし")
    later = _child(date(2025, 12, 11), "郵便 後", "271-0077")
    first = _child(date(2025, 12, 12), "郵便 先", "270-0021")
    assert _run(tmp_path, "--programme", "mr", "--month", "2026-12")[0] == 0
    mailing = list(csv.DictReader(io.StringIO(
        next(tmp_path.glob("mailing-*.csv")).read_text(encoding="utf-8-sig"))))
    with session_scope() as session:
        atena = {session.get_one(Resident, rid).atena_number: rid
                 for rid in (unknown, later, first)}
    assert [(atena[row["atena_number"]], row["postal_code"]) for row in mailing] == [
        (first, "270-0021"), (later, "271-0077"), (unknown, "")]
    letter = PdfReader(next(tmp_path.glob("notices-*.pdf"))).pages[0].extract_text()
    assert "〒270-0021" in letter


def test_a_reprint_withdraws_the_serial_before(inprocess_db: Path, tmp_path: Path) -> None:
    child = _child(date(2025, 12, 10), "再印 花子")
    assert _run(tmp_path / "a", "--programme", "mr", "--month", "2026-12")[0] == 0
    assert _run(tmp_path / "b", "--programme", "mr", "--month", "2026-12")[0] == 0
    serials = [s for s in _serials() if s.resident_id == child]
    assert len(serials) == 2 and serials[0].serial != serials[1].serial
    assert serials[0].withdrawn_at is not None and serials[1].withdrawn_at is None


@pytest.mark.parametrize(("args", "said"), [
    (("--programme", "smallpox", "--month", "2026-12"), "unknown programme 'smallpox'"),
    (("--programme", "bcg", "--month", "2026-12"), "no printed form offers a product of bcg"),
    (("--programme", "mr", "--month", "2026-13"), "refused"),
])
def test_a_run_that_cannot_be_made_is_refused_and_writes_nothing(
        inprocess_db: Path, tmp_path: Path, args: tuple[str, ...], said: str) -> None:
    code, output = _run(tmp_path / "out", *args)
    assert code == 1 and said in output, output
    assert not (tmp_path / "out").exists() and _serials() == []


def _returned_form(serial_child: int, tmp_path: Path, name: str) -> np.ndarray:
    """The child's personal form of a fresh run, printed and scanned back unfilled."""
    _run(tmp_path / name, "--programme", "mr", "--month", "2026-12")
    pdf = next((tmp_path / name).glob("notices-*.pdf"))
    with session_scope() as session:
        atena = session.get_one(Resident, serial_child).atena_number
    index = next(i for i, page in enumerate(PdfReader(pdf).pages)
                 if i % 2 and atena in page.extract_text())
    return np.asarray(convert_from_path(str(pdf), dpi=300, first_page=index + 1,
                                        last_page=index + 1, grayscale=True)[0])


def _read_back(image: np.ndarray) -> tuple[int, int | None, dict[str, str], dict[str, str]]:
    """The scan through the reader and the worker's own storing step, as a queued page."""
    from models import Batch, Document, Page, PageState, Role
    from models.settings import get_settings
    from ocr import load_forms, read_page
    from tests.inprocess import make_user
    from workers.reading import store

    reading = read_page(image, load_forms(get_settings().forms_dir), 300)
    with session_scope() as session:
        batch = Batch(label="notices back", created_by_id=make_user(Role.SCANNER)[0])
        document = Document(batch=batch, sha256=secrets.token_hex(32), filename="back.pdf",
                            media_type="application/pdf", size_bytes=1, page_count=1)
        page = Page(batch=batch, document=document, sequence=1, page_number=1,
                    image_sha256=secrets.token_hex(32), state=PageState.READING)
        session.add_all([batch, document, page])
        session.flush()
        page_id = page.id
    store(page_id, reading, {})
    with session_scope() as session:
        page = session.get_one(Page, page_id)
        current = page.current_fields()
        return (page_id, page.resident_id, {k: f.source for k, f in current.items()},
                {k: f.problem for k, f in current.items() if f.problem})


def test_a_personal_form_is_matched_by_its_serial_and_its_identity_not_read_again(
        inprocess_db: Path, tmp_path: Path) -> None:
    child = _child(date(2025, 12, 10), "照合 一郎")
    image = _returned_form(child, tmp_path, "run")
    page_id, resident, sources, problems = _read_back(image)
    assert resident == child
    assert {key: sources[key] for key in ("name", "name_kana", "birth_date", "sex", "address")} \
        == dict.fromkeys(("name", "name_kana", "birth_date", "sex", "address"), "register")
    assert "notice_serial" in sources and "notice_serial" not in problems
    with session_scope() as session:
        assert session.scalars(select(NoticeSerial.page_id).where(
            NoticeSerial.resident_id == child)).one() == page_id
    # the same form scanned a second time, and a form a reprint withdrew
    _, _, _, again = _read_back(image)
    assert again["notice_serial"].startswith("この予診票はすでに読み取られています")
    _returned_form(child, tmp_path, "reprint")
    _, _, _, withdrawn = _read_back(image)
    assert withdrawn["notice_serial"].startswith("再発行で無効になった予診票です")
