from __future__ import annotations

import pytest

from ocr.checkdigits import (
    is_valid_local_government_code,
    is_valid_my_number,
    local_government_check_digit,
    my_number_check_digit,
    with_local_government_check_digit,
)


def test_my_number_check_digit_of_the_published_example() -> None:
    assert my_number_check_digit("12345678901") == 8
    assert is_valid_my_number("123456789018")


@pytest.mark.parametrize("number", ["123456789017", "12345678901", "12345678901a", ""])
def test_invalid_my_numbers_are_rejected(number: str) -> None:
    assert not is_valid_my_number(number)


def test_my_number_check_digit_is_zero_for_remainders_zero_and_one() -> None:
    # 00000000001: P_1 = 1, Q_1 = 2 -> remainder 2 -> 9; 00000000005 -> 10 -> 1
    assert my_number_check_digit("00000000001") == 9
    assert my_number_check_digit("00000000005") == 1
    # 00000000000 -> remainder 0 -> 0; 00000010000 (P_5 = 1, Q_5 = 6) -> 6 -> 5
    assert my_number_check_digit("00000000000") == 0
    assert my_number_check_digit("00000010000") == 5


@pytest.mark.parametrize(
    ("code5", "code6"),
    [("12207", "122076"), ("13101", "131016"), ("01100", "011002"), ("14100", "141003"),
     ("27100", "271004"), ("23100", "231002")],
)
def test_local_government_codes(code5: str, code6: str) -> None:
    assert with_local_government_check_digit(code5) == code6
    assert is_valid_local_government_code(code6)


def test_local_government_check_digit_takes_the_last_digit_of_eleven() -> None:
    # 00011: 1 * 3 + 1 * 2 = 5 -> 6; 00000 -> remainder 0 -> 11 -> 1
    assert local_government_check_digit("00011") == 6
    assert local_government_check_digit("00000") == 1
    assert not is_valid_local_government_code("122077")


def test_check_digits_need_digits() -> None:
    with pytest.raises(ValueError):
        my_number_check_digit("1234")
    with pytest.raises(ValueError):
        local_government_check_digit("1220a")
