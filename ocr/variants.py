"""Folds what two readers may write differently for the same writing, before they are compared.

Names are registered with old or variant kanji (髙橋, 山﨑, 齋藤) that a hand writes either
way and that each engine reads as whichever form it knows best; full-width and half-width
digits, letters and kana are the same characters; a space between family and given name is
a gap one reader sees and another does not. None of these is a disagreement about what is
written, and all of them would otherwise keep a right reading from being confirmed.
"""

from __future__ import annotations

import unicodedata

VARIANTS = {
    "髙": "高", "﨑": "崎", "嵜": "崎", "穗": "穂", "齋": "斉", "齊": "斉", "斎": "斉",
    "邊": "辺", "邉": "辺", "澤": "沢", "濱": "浜", "廣": "広", "德": "徳", "眞": "真",
    "國": "国", "櫻": "桜", "島": "嶋", "嶌": "嶋", "瀨": "瀬", "濵": "浜", "槇": "槙",
    "曾": "曽", "藏": "蔵", "惠": "恵", "榮": "栄", "龍": "竜", "實": "実", "靜": "静",
    "壽": "寿", "彌": "弥", "與": "与", "萬": "万", "圓": "円", "驛": "駅", "縣": "県",
    "冨": "富", "﨔": "欅", "淸": "清", "黑": "黒", "嶽": "岳", "舘": "館",
    "籠": "篭", "條": "条", "戶": "戸", "𠮷": "吉", "髮": "髪", "兒": "児",
    "ヶ": "ケ", "ヵ": "カ", "ゖ": "ケ", "ゕ": "カ",
}
"""Old and variant forms of kanji common in Japanese names and places, each mapped to one
member of its group (not necessarily the everyday form: 島/嶋 fold to 嶋 like 嶌), and the
small ヶ of place names (金ヶ作, 金ケ作). Kept small on purpose: only characters that are one
name written two ways, never two names."""
TABLE = str.maketrans(VARIANTS)
DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ｰ－", "-"))
"""Hyphens and minus signs that readers give for the dash of a phone number or address."""


def fold(text: str) -> str:
    """The text as compared between readers: width-normalised (NFKC), without spaces, one
    form for each variant kanji and for dashes."""
    normal = unicodedata.normalize("NFKC", text).translate(TABLE).translate(DASHES)
    return "".join(normal.split())


def same(first: str, second: str) -> bool:
    """Whether two readings say the same thing once folded (an empty reading never does)."""
    folded = fold(first)
    return bool(folded) and folded == fold(second)
