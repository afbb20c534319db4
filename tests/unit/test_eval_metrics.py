"""The arithmetic of `yoshin eval`, checked on a case small enough to count by hand."""

from __future__ import annotations

import pytest

from yoshin.measure.eval_metrics import FieldOutcome, PageOutcome, summarise


def test_summary_of_a_hand_made_case() -> None:
    first = PageOutcome("page-0001.png", [
        FieldOutcome("ticket_number", "digits", truth="123", value="123", accepted=True),
        FieldOutcome("name", "text", truth="山田 太郎", value="山田太郎", accepted=True),
        FieldOutcome("name_kana", "text", truth="山田花代", value="山田花子", accepted=True),
        FieldOutcome("q1", "choice", truth="yes", value="", accepted=False),
    ], needs_review=True, seconds=2.0)
    second = PageOutcome("page-0002.png", [
        FieldOutcome("ticket_number", "digits", truth="123", value="124", accepted=False),
    ], needs_review=False, seconds=4.0)

    summary = summarise([first, second])

    assert summary["pages"] == 2
    assert summary["fields"] == 5
    assert summary["field_accuracy"] == pytest.approx(2 / 5)
    # edits 0 + 0 + 1 + 3 + 1 over truth characters 3 + 4 + 4 + 3 + 3 (spaces dropped)
    assert summary["cer"] == pytest.approx(5 / 17)
    assert summary["auto_accepted_share"] == pytest.approx(3 / 5)
    assert summary["auto_accepted_error_rate"] == pytest.approx(1 / 3)
    assert summary["pages_needing_review_share"] == pytest.approx(1 / 2)
    assert summary["seconds_per_page"] == pytest.approx(3.0)
    digits = summary["per_type"]["digits"]
    assert digits == pytest.approx({"fields": 2, "field_accuracy": 0.5, "cer": 1 / 6,
                                    "auto_accepted_share": 0.5, "auto_accepted_error_rate": 0.0})
    assert summary["per_type"]["choice"]["cer"] == pytest.approx(1.0)
    assert set(summary["per_type"]) == {"digits", "text", "choice"}
    assert summary["per_field"]["ticket_number"]["fields"] == 2
    assert summary["per_field"]["name"]["field_accuracy"] == 1.0


def test_empty_truth_read_as_something_counts_as_wrong() -> None:
    page = PageOutcome("p", [FieldOutcome("phone", "text", truth="", value="03", accepted=True)],
                       needs_review=False, seconds=1.0)
    summary = summarise([page])
    assert summary["field_accuracy"] == 0.0
    assert summary["auto_accepted_error_rate"] == 1.0
    assert summary["cer"] == pytest.approx(2.0)


def test_calibration_counts_the_readers_own_confidence() -> None:
    fields = [
        FieldOutcome("a", "digits", "1", "1", True, read="1", confidence=0.99),
        FieldOutcome("b", "digits", "2", "2", True, read="3", confidence=0.96),
        FieldOutcome("c", "digits", "4", "4", False, read="4", confidence=0.3),
        FieldOutcome("d", "digits", "5", "5", False, read="5", confidence=1.0),
        FieldOutcome("e", "digits", "6", "6", True),
    ]
    summary = summarise([PageOutcome("p", fields, needs_review=False, seconds=1.0)])
    rows = {(row["low"], row["high"]): row for row in summary["calibration"]}
    assert rows[(0.0, 0.5)] == {"low": 0.0, "high": 0.5, "fields": 1, "accuracy": 1.0}
    assert rows[(0.95, 0.99)]["fields"] == 1 and rows[(0.95, 0.99)]["accuracy"] == 0.0
    assert rows[(0.99, 1.0)]["fields"] == 2 and rows[(0.99, 1.0)]["accuracy"] == 1.0
    assert sum(row["fields"] for row in summary["calibration"]) == 4


def test_pages_straight_to_the_ledger_and_the_errors_a_person_would_check_first() -> None:
    committed_wrong = PageOutcome("p1", [
        FieldOutcome("vaccination_date", "date", "2022-03-01", "2022-03-07", True,
                     read="2022-03-07", confidence=0.97),
        FieldOutcome("q1", "choice", "yes", "no", True, read="no", confidence=1.0),
    ], needs_review=False, seconds=1.0, resident_right=True)
    committed_other_person = PageOutcome("p2", [
        FieldOutcome("lot_number", "text", "FA1234", "FA1234", True),
    ], needs_review=False, seconds=1.0, resident_right=False)
    reviewed = PageOutcome("p3", [
        FieldOutcome("lot_number", "text", "FA1234", "FA1284", False),
    ], needs_review=True, seconds=1.0)
    failed = PageOutcome("p4", [], needs_review=True, seconds=1.0,
                         failure="not a known form: no form QR code found")
    deferred = PageOutcome("p5", [
        FieldOutcome("doctor_decision", "choice", "defer", "defer", True),
        FieldOutcome("vaccination_date", "date", "", "", True),
    ], needs_review=False, seconds=1.0, resident_right=True, filed=True)

    summary = summarise([committed_wrong, committed_other_person, reviewed, failed, deferred])

    assert summary["pages_straight_to_ledger"] == 2
    assert summary["pages_filed_as_deferrals"] == 1
    assert summary["pages_straight_to_ledger_with_a_wrong_ledger_value"] == [
        {"page": "p1", "wrong": ["vaccination_date"]}, {"page": "p2", "wrong": ["resident"]}]
    assert summary["pages_registered"] == 4
    assert summary["registration_failures"] == [
        {"page": "p4", "reason": "not a known form: no form QR code found"}]
    assert [(e["page"], e["field"], e["confidence"]) for e in summary["auto_accepted_errors"]] \
        == [("p1", "vaccination_date", 0.97), ("p1", "q1", 1.0)]
    choice = {row["low"]: row for row in summary["calibration_per_type"]["choice"]}
    assert choice[0.99] == {"low": 0.99, "high": 1.0, "fields": 1, "accuracy": 0.0}


def test_a_persons_time_follows_the_keystroke_level_model() -> None:
    """Counted by hand: K 0.28, P 1.1, B 0.1, M 1.35 s; a page opened costs M + K + 1.2."""
    from yoshin.measure.person_time import person_seconds

    straight = PageOutcome("a", [FieldOutcome("q1", "choice", "yes", "yes", True)],
                           needs_review=False, seconds=1.0, resident_right=True)
    checked = PageOutcome("b", [
        FieldOutcome("q1", "choice", "yes", "yes", True),       # sure: not looked at
        FieldOutcome("q2", "choice", "no", "no", False),        # doubtful, right: M + K
        FieldOutcome("lot_number", "text", "FJ5929", "FJ5920", False),  # + M + 6 K
    ], needs_review=True, seconds=1.0, resident_right=True)
    unmatched = PageOutcome("c", [], needs_review=True, seconds=1.0, resident_right=None)
    failed = PageOutcome("d", [FieldOutcome("name", "text", "山田 太郎", "", False)],
                         needs_review=True, seconds=1.0, failure="no QR")
    opened = 1.35 + 0.28 + 1.2
    assert person_seconds(straight) == 0.0
    assert person_seconds(checked) == pytest.approx(opened + 2 * (1.35 + 0.28) + 1.35 + 6 * 0.28)
    assert person_seconds(unmatched) == pytest.approx(opened + 1.35 + 6 * 0.28 + 1.1 + 0.1)
    assert person_seconds(failed) == pytest.approx(opened + 1.35 + 4 * 0.28)
    total = sum(person_seconds(p) for p in (straight, checked, unmatched, failed))
    assert summarise([straight, checked, unmatched, failed])["person_seconds_per_100_forms"] \
        == pytest.approx(100 * total / 4)


def test_a_follow_up_costs_a_later_look_and_kinds_are_reported_apart() -> None:
    """Counted by hand: a committed page with two flagged answers, one of them wrong ("yes"
    typed: M + 3 K) costs M + K + 1.2 + 2 (M + K) + M + 3 K after the ledger, none before."""
    from yoshin.measure.person_time import follow_up_seconds, person_seconds

    later = PageOutcome("a", [FieldOutcome("q1", "choice", "yes", "no", False),
                              FieldOutcome("q2", "choice", "no", "no", False),
                              FieldOutcome("vaccine", "choice", "mr", "mr", True)],
                        needs_review=False, seconds=1.0, resident_right=True,
                        follow_up=("q1", "q2"), personal=True)
    blank = PageOutcome("b", [FieldOutcome("q1", "choice", "yes", "yes", False)],
                        needs_review=True, seconds=1.0, resident_right=True)
    assert person_seconds(later) == 0.0
    assert follow_up_seconds(later) == pytest.approx(
        1.35 + 0.28 + 1.2 + 2 * (1.35 + 0.28) + 1.35 + 3 * 0.28)
    assert follow_up_seconds(blank) == 0.0
    summary = summarise([later, blank])
    kinds = summary["per_kind"]
    assert kinds["personal"]["pages_needing_review_share"] == 0.0
    assert kinds["blank"]["pages_needing_review_share"] == 1.0
    assert kinds["personal"]["pages_with_follow_up_share"] == 1.0
    assert summary["follow_up_seconds_per_100_forms"] == pytest.approx(
        100 * follow_up_seconds(later) / 2)


def test_the_fields_that_held_pages_back_are_counted_and_alone_ones_apart() -> None:
    """Counted by hand: the date held three pages, alone on two; the doctor's name one, with
    the date; a page that went on holds nothing."""
    def page(name: str, held: tuple[str, ...], personal: bool = True) -> PageOutcome:
        return PageOutcome(name, [], needs_review=bool(held), seconds=1.0, personal=personal,
                           held_by=held)

    summary = summarise([page("a", ("vaccination_date",)),
                         page("b", ("vaccination_date", "doctor_name")),
                         page("c", ()),
                         page("d", ("vaccination_date",), personal=False)])
    assert summary["held_by"] == {"vaccination_date": {"pages": 3, "alone": 2},
                                  "doctor_name": {"pages": 1, "alone": 0}}
    assert list(summary["held_by"]) == ["vaccination_date", "doctor_name"]
    assert summary["per_kind"]["personal"]["held_by"]["vaccination_date"] == {
        "pages": 2, "alone": 1}
    assert summary["per_kind"]["blank"]["held_by"] == {
        "vaccination_date": {"pages": 1, "alone": 1}}
    assert summary["pages_held"] == [
        {"page": "a", "personal": True, "held_by": ["vaccination_date"]},
        {"page": "b", "personal": True, "held_by": ["vaccination_date", "doctor_name"]},
        {"page": "d", "personal": False, "held_by": ["vaccination_date"]}]
