"""Which printed form a programme's notice carries: the form whose vaccine boxes offer one of
the programme's products (the children's form for 五種混合, the elderly one for 帯状疱疹…)."""

from __future__ import annotations

from ledger.schedule.rules import Series
from models.settings import get_settings
from ocr import FormSpec, load_forms


class NoPrintedForm(ValueError):
    """No printed form offers a product of the programme; the message names them."""


def form_for(series: Series) -> FormSpec:
    forms = load_forms(get_settings().forms_dir)
    for spec in forms.values():
        vaccine = next((field for field in spec.fields if field.key == "vaccine"), None)
        if vaccine is not None and {o.value for o in vaccine.options} & set(series.products):
            return spec
    raise NoPrintedForm(f"no printed form offers a product of {series.id}: the forms are "
                        + ", ".join(sorted(forms)))
