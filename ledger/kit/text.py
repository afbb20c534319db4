"""Comparing names as people write them: width, spacing, case, the variant forms of kanji
in names (異体字: a register holds 髙 or 﨑 where a form, or a reader, has 高 or 崎) and the
small ヶ of place names (金ヶ作 and 金ケ作 are one place) must not make two equal names differ."""

from __future__ import annotations

import unicodedata

VARIANTS = str.maketrans({
    "髙": "高", "﨑": "崎", "嵜": "崎", "齋": "斎", "齊": "斉", "邊": "辺", "邉": "辺",
    "澤": "沢", "濱": "浜", "櫻": "桜", "廣": "広", "國": "国", "圓": "円", "淺": "浅",
    "德": "徳", "惠": "恵", "實": "実", "藏": "蔵", "龍": "竜", "瀨": "瀬", "冨": "富",
    "槇": "槙", "﨔": "欅", "ヶ": "ケ", "ヵ": "カ", "ゖ": "ケ", "ゕ": "カ",
})


def normalise(value: str) -> str:
    """The form two spellings of the same name share; for comparing only, never stored."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper().translate(VARIANTS)


def split_name(name: str) -> tuple[str, str]:
    """(family, given) of a name the register writes family first, split at its first space
    (full-width or not); given is "" for a name written as one word."""
    family, _, given = name.replace("\u3000", " ").strip().partition(" ")
    return family.strip(), given.strip()
