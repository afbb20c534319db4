"""Check digits of Japanese public identifiers.

Both are pure arithmetic so that the generator can make valid numbers and the ledger can
reject mistyped ones without a lookup.

ledger/kit/identifiers.py checks the same numbers and is a deliberate second copy: the
generator may import only ocr, and the ledger may import only models, so no module can serve
both. tests/unit/test_identifier_agreement.py holds the two to the same answer on every input.
"""

from __future__ import annotations


def my_number_check_digit(first_eleven: str) -> int:
    """Check digit of a 個人番号 from its first 11 digits.

    The official rule (個人番号の指定に関する省令 第五条): with P_n the n-th digit counted from
    the right and Q_n = n + 1 for n <= 6, n - 5 for n >= 7, the check digit is
    11 - (sum P_n Q_n mod 11), or 0 when the remainder is 0 or 1.
    """
    if len(first_eleven) != 11 or not first_eleven.isdigit():
        raise ValueError("expected 11 digits")
    total = 0
    for n, char in enumerate(reversed(first_eleven), start=1):
        weight = n + 1 if n <= 6 else n - 5
        total += int(char) * weight
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_my_number(number: str) -> bool:
    """True for 12 digits whose last digit is the check digit of the first 11."""
    if len(number) != 12 or not number.isdigit():
        return False
    return my_number_check_digit(number[:11]) == int(number[11])


def local_government_check_digit(code5: str) -> int:
    """Check digit of a 地方公共団体コード from its 5 digits (weights 6..2, modulus 11).

    The published rule takes the last digit of 11 minus the remainder, so 12207 → 6 (122076).
    """
    if len(code5) != 5 or not code5.isdigit():
        raise ValueError("expected 5 digits")
    total = sum(int(c) * w for c, w in zip(code5, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def with_local_government_check_digit(code5: str) -> str:
    """The 6-digit code as printed on forms, e.g. 12207 → 122076 (Matsudo)."""
    return code5 + str(local_government_check_digit(code5))


def is_valid_local_government_code(code: str) -> bool:
    """True for 6 digits whose last is the check digit of the first 5."""
    if len(code) != 6 or not code.isdigit():
        return False
    return local_government_check_digit(code[:5]) == int(code[5])


def insurer_check_digit(first_seven: str) -> int:
    """検証番号 of an 8-digit 保険者番号 from its first 7 digits (法別番号, 都道府県番号,
    保険者別番号): each digit times 2 and 1 alternately from the right, the digits of each
    product added up, and 10 minus the last digit of the total (0 when that is 0)
    (「保険者番号等の設定について」, 厚生省保険局通知)."""
    if len(first_seven) != 7 or not first_seven.isdigit():
        raise ValueError("expected 7 digits")
    total = 0
    for n, char in enumerate(reversed(first_seven)):
        product = int(char) * (2 if n % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10
