"""Synthetic residents for the register extract: plausible names, kana, dates and addresses.

Everything is drawn from a caller's random generator so that a seed reproduces a whole set.
No real person's data is used; the name parts are common ones.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from ocr.checkdigits import my_number_check_digit

FAMILY_NAMES = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
    ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"),
    ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"), ("井上", "イノウエ"),
    ("木村", "キムラ"), ("林", "ハヤシ"), ("清水", "シミズ"), ("山崎", "ヤマザキ"),
    ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("石川", "イシカワ"),
    ("前田", "マエダ"), ("藤田", "フジタ"), ("岡田", "オカダ"), ("長谷川", "ハセガワ"),
    ("村上", "ムラカミ"), ("近藤", "コンドウ"),
]
GIVEN_NAMES = {
    "M": [
        ("太郎", "タロウ"), ("一郎", "イチロウ"), ("健太", "ケンタ"), ("大輔", "ダイスケ"),
        ("翔太", "ショウタ"), ("拓也", "タクヤ"), ("直樹", "ナオキ"), ("浩", "ヒロシ"),
        ("誠", "マコト"), ("隆", "タカシ"), ("修", "オサム"), ("和夫", "カズオ"),
        ("健一", "ケンイチ"), ("悠人", "ユウト"), ("大翔", "ヒロト"),
    ],
    "F": [
        ("花子", "ハナコ"), ("恵子", "ケイコ"), ("美咲", "ミサキ"), ("陽子", "ヨウコ"),
        ("由美", "ユミ"), ("真由美", "マユミ"), ("裕子", "ユウコ"), ("直美", "ナオミ"),
        ("愛", "アイ"), ("さくら", "サクラ"), ("幸子", "サチコ"), ("明美", "アケミ"),
        ("結衣", "ユイ"), ("陽菜", "ヒナ"), ("和子", "カズコ"),
    ],
}
MATSUDO = "千葉県松戸市"
MATSUDO_TOWNS = [
    "松戸", "小金", "小金原", "常盤平", "新松戸", "五香", "六実", "馬橋", "稔台", "八ケ崎",
    "二十世紀が丘", "上本郷", "根本", "本町", "樋野口", "紙敷", "河原塚", "金ケ作",
]
ELSEWHERE = [
    "千葉県柏市柏", "千葉県市川市八幡", "千葉県流山市南流山", "東京都葛飾区金町",
    "千葉県船橋市本町", "埼玉県三郷市早稲田",
]
OUTSIDERS = 0.15
"""Share of register entries (beyond the form holders) living outside Matsudo: moved-out
residents still in the extract."""


@dataclass(frozen=True)
class Resident:
    """One row of the resident register extract (residents.csv)."""

    atena_number: str
    my_number: str
    name: str
    name_kana: str
    birth_date: str
    sex: str
    address: str
    ticket_number: str


def _address(rng: random.Random, in_matsudo: bool) -> str:
    block = f"{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
    if in_matsudo:
        return f"{MATSUDO}{rng.choice(MATSUDO_TOWNS)}{block}"
    return f"{rng.choice(ELSEWHERE)}{block}"


def _unique_my_number(rng: random.Random, taken: set[str]) -> str:
    while True:
        body = f"{rng.randint(1, 10**11 - 1):011d}"
        value = body + str(my_number_check_digit(body))
        if value not in taken:
            taken.add(value)
            return value


def _unique_digits(rng: random.Random, width: int, taken: set[str]) -> str:
    while True:
        value = f"{rng.randint(10 ** (width - 1), 10**width - 1)}"
        if value not in taken:
            taken.add(value)
            return value


def make_residents(rng: random.Random, holders: int, others: int) -> list[Resident]:
    """`holders` Matsudo residents (who will be on forms) followed by `others` register entries.

    Numbers are unique across the whole list; a share of the others (OUTSIDERS) live outside
    Matsudo.
    """
    taken: set[str] = set()
    residents = []
    for index in range(holders + others):
        sex = rng.choice("MF")
        family, family_kana = rng.choice(FAMILY_NAMES)
        given, given_kana = rng.choice(GIVEN_NAMES[sex])
        birth = date(1935, 1, 1) + timedelta(days=rng.randint(0, 365 * 70))
        in_matsudo = index < holders or rng.random() >= OUTSIDERS
        residents.append(
            Resident(
                atena_number=_unique_digits(rng, 10, taken),
                my_number=_unique_my_number(rng, taken),
                name=f"{family} {given}",
                name_kana=f"{family_kana} {given_kana}",
                birth_date=birth.isoformat(),
                sex=sex,
                address=_address(rng, in_matsudo),
                ticket_number=_unique_digits(rng, 10, taken),
            )
        )
    return residents
