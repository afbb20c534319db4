"""Check digits of the identifiers the ledger accepts: 個人番号 (My Number),
地方公共団体コード and 保険者番号. Pure arithmetic, so a mistyped number is refused without any
lookup.

ocr/checkdigits.py, which the sample generator uses to make valid numbers, has the same rules:
the copy is forced, since the ledger may import only models and the generator only ocr.
tests/unit/test_identifier_agreement.py holds the two to the same answer on every input."""

from __future__ import annotations


def my_number_check_digit(first_eleven: str) -> int:
    """With P_n the n-th digit from the right and Q_n = n+1 (n ≤ 6) or n−5 (n ≥ 7):
    11 − (Σ P_n·Q_n mod 11), or 0 when that remainder is 0 or 1
    (個人番号の指定に関する省令 第五条)."""
    total = sum(
        int(char) * (n + 1 if n <= 6 else n - 5)
        for n, char in enumerate(reversed(first_eleven), start=1)
    )
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_my_number(number: str) -> bool:
    return len(number) == 12 and number.isdigit() and (
        my_number_check_digit(number[:11]) == int(number[11])
    )


def is_valid_local_government_code(code: str) -> bool:
    """Weights 6..2 over the first five digits, modulus 11, e.g. 12207 → 122076 (松戸市)."""
    if len(code) != 6 or not code.isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(code[:5], (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10 == int(code[5])


def is_valid_insurer_number(number: str) -> bool:
    """8 digits whose last is the 検証番号 of the first 7: each digit times 2 and 1
    alternately from the right, the digits of each product added up, and 10 minus the last
    digit of the total, or 0 (「保険者番号等の設定について」, 厚生省保険局通知). A single
    misread digit always breaks it."""
    if len(number) != 8 or not number.isdigit():
        return False
    total = 0
    for n, char in enumerate(reversed(number[:7])):
        product = int(char) * (2 if n % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10 == int(number[7])
