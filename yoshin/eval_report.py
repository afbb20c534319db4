"""Printing `yoshin eval` figures for a person, as one table overall and one per field type."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

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
    curve = Table(title="calibration of the reader's confidence")
    for column in ("confidence", "fields", "right"):
        curve.add_column(column, justify="right")
    for row in summary["calibration"]:
        if row["fields"]:
            curve.add_row(f"{row['low']:.2f}–{row['high']:.2f}", str(row["fields"]),
                          f"{100 * row['accuracy']:.1f} %")
    console.print(curve)
    console.print(
        f"pages needing a person: {100 * summary['pages_needing_review_share']:.1f} %   "
        f"seconds per page: {summary['seconds_per_page']:.2f} mean, "
        f"{summary['median_seconds_per_page']:.2f} median"
    )
