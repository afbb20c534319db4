"""An administrator adds a vaccine product to the master without a release: `yoshin vaccines
add` checks it as a shipped product is checked, stores it and audits it, and a process that
reads the master (the server and workers when they start) judges and accepts its doses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ledger.checks.validation import validate
from ledger.kit import vaccines as kit
from ledger.schedule.engine import GivenDose, Person, evaluate
from ledger.schedule.master_store import load_into_process
from ledger.schedule.rules import install_schedule, load_schedule, schedule
from models import AuditEvent, MasterEntry
from models.db import session_scope
from tests.unit.test_adding_a_product import NEW
from yoshin.cli import app


@pytest.fixture
def shipped_master_after() -> Iterator[None]:
    """The process's master is the shipped one again after the test, whatever it added."""
    yield
    kit.install(kit.load_catalogue())
    install_schedule(load_schedule())


def _add(tmp_path: Path, key: str, entry: object, programme: str = "pcv") -> tuple[int, str]:
    path = tmp_path / f"{key}.json"
    path.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(app, ["vaccines", "add", key, str(path), "--programme",
                                      programme], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_an_added_product_is_known_to_a_process_that_reads_the_master(
        inprocess_db: Path, tmp_path: Path, shipped_master_after: None) -> None:
    assert _add(tmp_path, "pcv21", NEW) == (
        0, "added pcv21 to pcv; restart the server and the workers to use it\n")
    assert "pcv21" not in kit.CATALOG  # this process has not read the master again yet
    listed = CliRunner().invoke(app, ["vaccines", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0
    line = next(line for line in listed.output.splitlines() if line.startswith("pcv21"))
    assert "pcv" in line and "A類" in line and "公費" in line and "added by cli:" in line
    assert "pcv21" in kit.CATALOG and "pcv21" in schedule().of_product("pcv21").products
    assert "vaccine" not in validate({"vaccine": "pcv21"})
    child = Person(date(2026, 6, 15), "F")
    verdicts = evaluate(child, [GivenDose("pcv20", date(2026, 8, 14)),
                                GivenDose("pcv21", date(2026, 10, 2), 2, "0.5")])
    assert [(v.valid, v.counted_as) for v in verdicts] == [(True, 1), (True, 2)]
    with session_scope() as session:
        assert session.scalars(select(MasterEntry.key)).all() == ["pcv21"]
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "master.product.add")).one()
        assert (event.subject, event.detail) == ("vaccine:pcv21", {"programme": "pcv"})
        assert load_into_process(session) == 1


@pytest.mark.parametrize(("key", "change", "programme", "said"), [
    ("pcv20", {}, "pcv", "already holds a product of this name"),
    ("pcv21", {}, "smallpox", "no programme 'smallpox'"),
    ("pcv21", {"disease": "mr"}, "pcv", "disease must be 'pcv'"),
    ("pcv21", {"class": "B"}, "pcv", "class 'A'"),
    ("pcv21", {"cvx_in": ["216"]}, "pcv", "a CVX code in cvx_in names two products"),
    ("pcv21", {"route": "nasal"}, "pcv", "does not fit the master"),
    ("pcv21", {"live": None}, "pcv", "does not fit the master"),
])
def test_a_product_that_breaks_a_rule_is_refused_and_nothing_is_stored(
        inprocess_db: Path, tmp_path: Path, shipped_master_after: None, key: str,
        change: dict[str, object], programme: str, said: str) -> None:
    code, output = _add(tmp_path, key, {**NEW, **change}, programme)
    assert code == 1 and said in output, output
    with session_scope() as session:
        assert session.scalars(select(MasterEntry)).all() == []


def test_a_file_that_is_no_json_object_is_refused(inprocess_db: Path, tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(app, ["vaccines", "add", "x", str(tmp_path / "broken.json"),
                                      "--programme", "pcv"])
    assert result.exit_code == 1 and "not a JSON entry" in result.output
    assert _add(tmp_path, "y", ["a", "list"])[0] == 1


def test_the_server_reads_the_added_products_when_it_starts(
        inprocess_db: Path, tmp_path: Path, shipped_master_after: None) -> None:
    from fastapi.testclient import TestClient

    from yoshin.app import create_app

    assert _add(tmp_path, "pcv21", NEW)[0] == 0
    assert "pcv21" not in kit.CATALOG
    with TestClient(create_app()) as client:  # the context runs the app's startup
        assert client.get("/health").status_code == 200
        assert "pcv21" in kit.CATALOG and kit.BY_CVX["327"] == "pcv21"
