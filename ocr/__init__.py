"""Recognition of scanned forms: page image in, registered page and field values out."""

from ocr.errors import RegistrationError
from ocr.fieldmap import ChoiceOption, FieldSpec, FormSpec, load_forms
from ocr.page import confirms, read_page
from ocr.results import FieldReading, PageReading

__all__ = [
    "ChoiceOption",
    "confirms",
    "FieldReading",
    "FieldSpec",
    "FormSpec",
    "PageReading",
    "RegistrationError",
    "load_forms",
    "read_page",
]
