"""The names of a form's fields as printed on the paper, for the screens.

The field map (samples/forms/*.json) is the one description of each form; the screens read
its labels and choice options from the JSON itself, since the review room does not depend
on the recogniser that also loads it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pydantic import BaseModel

SPLIT_LABELS = {"ticket_kind": "券種", "ticket_dose": "回数", "municipality_code": "市町村コード",
                "ticket_number": "券番号"}
"""Labels of the values cut from the ticket's OCR line, which the paper does not print."""


class FieldLabel(BaseModel):
    label: str
    options: list[str] = []
    after_commit: bool = False
    """One of the form's answers looked at after the record is in the ledger (its
    `after_commit`): a doubt about it does not hold the page back."""


@cache
def _labels(directory: Path) -> dict[str, dict[str, FieldLabel]]:
    forms: dict[str, dict[str, FieldLabel]] = {}
    for path in sorted(directory.glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        labels: dict[str, FieldLabel] = {}
        later = set(spec.get("after_commit", []))
        for field in spec.get("fields", []):
            options = [option["value"] for option in field.get("options", [])]
            labels[field["key"]] = FieldLabel(label=field["label"], options=options,
                                              after_commit=field["key"] in later)
            for part in field.get("split", []):
                labels[part["key"]] = FieldLabel(label=SPLIT_LABELS.get(part["key"], part["key"]))
        forms[spec["form_id"]] = labels
    return forms


def field_labels(directory: Path, form_id: str | None) -> dict[str, FieldLabel]:
    """key → label and options for the form, empty for an unknown form."""
    return _labels(directory).get(form_id or "", {})
