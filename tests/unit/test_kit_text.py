"""Names are split one way for the certificate, its QR bundle and the FHIR export alike."""

from __future__ import annotations

import pytest

from ledger.kit.romaji import passport_romaji
from ledger.kit.text import split_name


@pytest.mark.parametrize(("name", "parts"), [
    ("山田 太郎", ("山田", "太郎")),
    ("山田\u3000太郎", ("山田", "太郎")),
    ("  山田\u3000 太郎 ", ("山田", "太郎")),
    ("ヤマダ タロウ ジュニア", ("ヤマダ", "タロウ ジュニア")),
    ("山田", ("山田", "")),
    ("", ("", "")),
])
def test_a_name_splits_at_its_first_space_of_either_width(name: str,
                                                          parts: tuple[str, str]) -> None:
    assert split_name(name) == parts


def test_the_passport_romaji_follows_the_same_split() -> None:
    assert passport_romaji("ヤマダ\u3000タロウ") == ("YAMADA", "TARO")
