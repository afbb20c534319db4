"""Adding a vaccine product is a change of data, not code: an entry in the products
(ledger/kit/vaccines.json) and its name in a programme's list (ledger/schedule/series.json).
Shown here with a 21-valent pneumococcal conjugate vaccine, a product the master does not
hold today."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from ledger.kit.vaccines import CATALOGUE_FILE, load_catalogue
from ledger.schedule.engine import GivenDose, Master, Person, due, evaluate
from ledger.schedule.rules import SERIES_FILE, load_schedule

NEW = {
    "label_ja": "小児肺炎球菌21価", "name_ja": "沈降21価肺炎球菌結合型ワクチン",
    "name_en": "Pneumococcal conjugate vaccine, 21-valent", "product": "PCV21",
    "manufacturer_ja": "", "manufacturer_en": "", "cvx": "327", "cvx_in": ["327"],
    "disease": "pcv", "seasonal": False, "interval_days": None, "dose_ml": "0.5",
    "first_given": "2026-10-01", "first_given_source": "an example product for this test",
    "live": False, "route": "SC", "class": "A", "fee": "公費", "antigens": 1,
    "volumes": [{"ml": "0.5"}],
}
CHILD = Person(date(2026, 6, 15), "F")
DOSES = [GivenDose("pcv20", date(2026, 8, 14)), GivenDose("pcv21", date(2026, 10, 2), 2, "0.5")]


def _master(tmp_path: Path, *, listed: bool) -> Master:
    products = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8")) | {"pcv21": NEW}
    rules = json.loads(SERIES_FILE.read_text(encoding="utf-8"))
    if listed:
        next(series for series in rules["series"] if series["id"] == "pcv")["products"].append(
            "pcv21")
    (tmp_path / "vaccines.json").write_text(json.dumps(products, ensure_ascii=False), "utf-8")
    (tmp_path / "series.json").write_text(json.dumps(rules, ensure_ascii=False), "utf-8")
    return Master(load_catalogue(tmp_path / "vaccines.json"),
                  load_schedule(tmp_path / "series.json"))


def test_a_new_product_in_both_files_is_judged_by_its_programmes_rules(tmp_path: Path) -> None:
    known = _master(tmp_path, listed=True)
    verdicts = evaluate(CHILD, DOSES, known)
    assert [(v.valid, v.counted_as) for v in verdicts] == [(True, 1), (True, 2)]
    early = [DOSES[0], GivenDose("pcv21", date(2026, 9, 30), 2)]
    assert [r.code for r in evaluate(CHILD, early, known)[-1].reasons] == ["not_in_force"]
    next_dose = next(d for d in due(CHILD, DOSES, date(2026, 10, 3), known) if d.series == "pcv")
    assert (next_dose.dose, next_dose.earliest) == (3, date(2026, 10, 30))


def test_without_the_data_change_the_product_is_unknown(tmp_path: Path) -> None:
    assert [r.code for r in evaluate(CHILD, DOSES)[-1].reasons] == ["unknown"]
    assert [r.code for r in evaluate(CHILD, DOSES, _master(tmp_path, listed=False))[-1].reasons] \
        == ["unknown"]
