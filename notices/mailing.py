"""The mailing list for the print contractor: one row per envelope in the PDF's order. It
holds what an envelope shows (name, address) and what the shop must match (the page numbers
and the serial), never a My Number or a health datum beyond the programme's name."""

from __future__ import annotations

from collections.abc import Iterator

from notices.pdf import Notice

COLUMNS = ("sequence", "pages", "atena_number", "name", "postal_code", "address", "programme",
           "dose", "reminder", "serial")


def mailing_rows(notices: list[Notice]) -> Iterator[dict[str, str]]:
    for index, notice in enumerate(notices):
        yield {"sequence": str(index + 1), "pages": f"{2 * index + 1}-{2 * index + 2}",
               "atena_number": notice.person.atena_number, "name": notice.person.name,
               "postal_code": notice.person.postal_code, "address": notice.person.address,
               "programme": notice.programme_ja,
               "dose": str(notice.dose), "reminder": "1" if notice.reminder else "0",
               "serial": notice.serial}
