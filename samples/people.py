"""Synthetic residents for the register extract: plausible names, kana, dates and addresses.

Everything is drawn from a caller's random generator so that a seed reproduces a whole set.
No real person's data is used; the name parts are common ones, and a few percent carry the
variant kanji (髙, 﨑, 齋) that real registers hold and that trip up readers.
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
    ("村上", "ムラカミ"), ("近藤", "コンドウ"), ("斎藤", "サイトウ"), ("坂本", "サカモト"),
    ("遠藤", "エンドウ"), ("青木", "アオキ"), ("西村", "ニシムラ"), ("福田", "フクダ"),
    ("太田", "オオタ"), ("三浦", "ミウラ"), ("藤井", "フジイ"), ("岡本", "オカモト"),
]
RARE_FAMILY_NAMES = [
    ("髙橋", "タカハシ"), ("山﨑", "ヤマザキ"), ("齋藤", "サイトウ"), ("髙田", "タカダ"),
    ("宮﨑", "ミヤザキ"), ("齋藤", "サイトウ"), ("髙木", "タカギ"), ("川﨑", "カワサキ"),
]
RARE_SHARE = 0.04
GIVEN_NAMES = {
    "M": [
        ("太郎", "タロウ"), ("一郎", "イチロウ"), ("健太", "ケンタ"), ("大輔", "ダイスケ"),
        ("翔太", "ショウタ"), ("拓也", "タクヤ"), ("直樹", "ナオキ"), ("浩", "ヒロシ"),
        ("誠", "マコト"), ("隆", "タカシ"), ("修", "オサム"), ("和夫", "カズオ"),
        ("健一", "ケンイチ"), ("悠人", "ユウト"), ("大翔", "ヒロト"), ("清", "キヨシ"),
        ("茂", "シゲル"), ("勝", "マサル"), ("蓮", "レン"), ("湊", "ミナト"),
    ],
    "F": [
        ("花子", "ハナコ"), ("恵子", "ケイコ"), ("美咲", "ミサキ"), ("陽子", "ヨウコ"),
        ("由美", "ユミ"), ("真由美", "マユミ"), ("裕子", "ユウコ"), ("直美", "ナオミ"),
        ("愛", "アイ"), ("さくら", "サクラ"), ("幸子", "サチコ"), ("明美", "アケミ"),
        ("結衣", "ユイ"), ("陽菜", "ヒナ"), ("和子", "カズコ"), ("節子", "セツコ"),
        ("久美子", "クミコ"), ("芽依", "メイ"), ("千代", "チヨ"), ("凛", "リン"),
    ],
}
MATSUDO = "千葉県松戸市"
MATSUDO_TOWNS = [
    "松戸", "小金", "小金原", "常盤平", "新松戸", "五香", "六実", "馬橋", "稔台", "八ケ崎",
    "二十世紀が丘", "上本郷", "根本", "本町", "樋野口", "紙敷", "河原塚", "金ケ作", "栄町",
    "胡録台", "日暮", "五香西", "東松戸", "八柱",
]
ELSEWHERE = [
    "千葉県柏市柏", "千葉県市川市八幡", "千葉県流山市南流山", "東京都葛飾区金町",
    "千葉県船橋市本町", "埼玉県三郷市早稲田", "東京都江戸川区小岩",
    "神奈川県横浜市港北区日吉", "大阪府大阪市北区梅田", "福岡県福岡市中央区天神",
    "北海道札幌市北区北", "宮城県仙台市青葉区一番町",
]
OUTSIDERS = 0.15
"""Share of register entries (beyond the form holders) living outside Matsudo: moved-out
residents still in the extract."""
REFERENCE_DAY = date(2023, 10, 1)
"""Ages are counted on this day, within the span of the generated vaccinations."""


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


def unique_digits(rng: random.Random, width: int, taken: set[str]) -> str:
    """A number of `width` digits (no leading zero) not in `taken`, which it joins."""
    while True:
        value = f"{rng.randint(10 ** (width - 1), 10**width - 1)}"
        if value not in taken:
            taken.add(value)
            return value


def _birth_date(rng: random.Random, ages: tuple[int, int]) -> str:
    """A birth date for an age within `ages` (inclusive) on REFERENCE_DAY."""
    youngest = REFERENCE_DAY.replace(year=REFERENCE_DAY.year - ages[0])
    oldest = REFERENCE_DAY.replace(year=REFERENCE_DAY.year - ages[1] - 1) + timedelta(days=1)
    return (oldest + timedelta(days=rng.randint(0, (youngest - oldest).days))).isoformat()


def _name(rng: random.Random, sex: str) -> tuple[str, str]:
    families = RARE_FAMILY_NAMES if rng.random() < RARE_SHARE else FAMILY_NAMES
    family, family_kana = rng.choice(families)
    given, given_kana = rng.choice(GIVEN_NAMES[sex])
    return f"{family} {given}", f"{family_kana} {given_kana}"


def make_residents(rng: random.Random, holder_ages: list[tuple[int, int]], others: int,
                   taken: set[str]) -> list[Resident]:
    """One Matsudo resident per entry of `holder_ages` (the form holders, aged within it),
    followed by `others` register entries aged 0-100.

    Numbers are unique across the list and `taken`; a share of the others (OUTSIDERS) live
    outside Matsudo.
    """
    ages = [*holder_ages, *[(0, 100)] * others]
    residents = []
    for index, age_range in enumerate(ages):
        sex = rng.choice("MF")
        name, kana = _name(rng, sex)
        in_matsudo = index < len(holder_ages) or rng.random() >= OUTSIDERS
        residents.append(
            Resident(
                atena_number=unique_digits(rng, 10, taken),
                my_number=_unique_my_number(rng, taken),
                name=name,
                name_kana=kana,
                birth_date=_birth_date(rng, age_range),
                sex=sex,
                address=_address(rng, in_matsudo),
            )
        )
    return residents
