"""Printing `yoshin eval` figures for a person, as one table overall and one per field type."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

SHOWN = 20
"""At most this many of each list are printed; the JSON holds them all."""
PERCENT = ("field_accuracy", "cer", "auto_accepted_share", "auto_accepted_error_rate")


def _cells(figures: dict) -> list[str]:
    return [str(figures["fields"])] + [f"{100 * figures[key]:.2f} %" for key in PERCENT]


def print_report(summary: dict, console: Console) -> None:
    table = Table(title=f"yoshin eval: {summary['pages']} pages")
    for column in ("field type", "fields", "accuracy", "CER", "auto-accepted",
                   "errors among auto-accepted"):
        table.add_column(column, justify="left" if column == "field type" else "right")
    for kind, figures in summary["per_type"].items():
        table.add_row(kind, *_cells(figures))
    table.add_row("all", *_cells(summary), style="bold")
    console.print(table)
    _print_reliability(summary, console)
    _print_pages(summary, console)
    _print_kinds(summary, console)
    _print_holding(summary, console)
    console.print(
        f"pages needing a person: {100 * summary['pages_needing_review_share']:.1f} %   "
        f"a person's time: {summary['person_seconds_per_100_forms']:.0f} s per 100 forms "
        f"before the ledger, {summary['follow_up_seconds_per_100_forms']:.0f} s after   "
        f"seconds per page: {summary['seconds_per_page']:.2f} mean, "
        f"{summary['median_seconds_per_page']:.2f} median"
    )


def _print_kinds(summary: dict, console: Console) -> None:
    """Personal forms (printed for one person) beside blank ones, when the set has both."""
    kinds = summary["per_kind"]
    if len(kinds) < 2:
        return
    table = Table(title="personal and blank forms")
    for column in ("forms", "pages", "needing a person", "person-s / 100 before",
                   "person-s / 100 after", "errors among auto-accepted"):
        table.add_column(column, justify="left" if column == "forms" else "right")
    for kind, figures in kinds.items():
        table.add_row(kind, str(figures["pages"]),
                      f"{100 * figures['pages_needing_review_share']:.1f} %",
                      f"{figures['person_seconds_per_100_forms']:.0f}",
                      f"{figures['follow_up_seconds_per_100_forms']:.0f}",
                      f"{100 * figures['auto_accepted_error_rate']:.2f} %")
    console.print(table)


def _print_holding(summary: dict, console: Console) -> None:
    """The fields that held pages back from the ledger, most first, for each kind of form."""
    kinds = summary["per_kind"] if len(summary["per_kind"]) > 1 else {"all": summary}
    for kind, figures in kinds.items():
        held = figures["held_by"]
        if held:
            console.print(f"held back ({kind} pages, alone in brackets): " + ", ".join(
                f"{key} {count['pages']} ({count['alone']})"
                for key, count in list(held.items())[:SHOWN]))


def _print_reliability(summary: dict, console: Console) -> None:
    """How often the reader was right at each confidence it gave, per field type: a value
    called sure (0.90 and above) must be right."""
    edges = [(row["low"], row["high"]) for row in summary["calibration"]]
    curve = Table(title="reliability of the reader's confidence: right / fields")
    curve.add_column("field type")
    for low, high in edges:
        curve.add_column(f"{low:.2f}–{high:.2f}", justify="right")
    rows = {**summary["calibration_per_type"], "all": summary["calibration"]}
    for kind, bins in rows.items():
        curve.add_row(kind, *(f"{100 * b['accuracy']:.1f} % / {b['fields']}" if b["fields"]
                              else "" for b in bins), style="bold" if kind == "all" else None)
    console.print(curve)


def _print_pages(summary: dict, console: Console) -> None:
    """Pages that could not be placed on a form, pages that went to the ledger with a wrong
    value, and the auto-accepted errors (values only in the JSON: they may be names)."""
    console.print(f"pages registered: {summary['pages_registered']} / {summary['pages']}")
    for failure in summary["registration_failures"][:SHOWN]:
        console.print(f"  {failure['page']}: {failure['reason']}")
    wrong = summary["pages_straight_to_ledger_with_a_wrong_ledger_value"]
    console.print(f"pages straight to the ledger: {summary['pages_straight_to_ledger']}, "
                  f"{len(wrong)} of them with a wrong ledger value; filed as deferrals "
                  f"(予診のみ): {summary['pages_filed_as_deferrals']}")
    for page in wrong[:SHOWN]:
        console.print(f"  {page['page']}: {', '.join(page['wrong'])}")
    errors = summary["auto_accepted_errors"]
    console.print(f"auto-accepted errors: {len(errors)}" + (" (values in the --json file)"
                                                            if errors else ""))
    for error in errors[:SHOWN]:
        console.print(f"  {error['page']} {error['field']} ({error['type']}), "
                      f"confidence {error['confidence']}")
