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
    console.print(
        f"pages needing a person: {100 * summary['pages_needing_review_share']:.1f} %   "
        f"seconds per page: {summary['seconds_per_page']:.2f} mean, "
        f"{summary['median_seconds_per_page']:.2f} median"
    )
