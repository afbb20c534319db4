"""Check digits of the identifiers the ledger accepts: 個人番号 (My Number) and
地方公共団体コード. Pure arithmetic, so a mistyped number is refused without any lookup."""

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
