"""The ledger and the sample generator each keep the identifier check digits (neither may
import the other's room: see ledger/kit/identifiers.py); these properties keep the two copies
one rule, so the generator never makes a number the ledger refuses or the other way round."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from ledger.kit import identifiers as ledger
from ocr import checkdigits as ocr

ASCII_DIGITS = "0123456789"
ANY_DIGITS = st.characters(categories=["Nd"])
"""Every decimal digit Unicode has (full-width, Arabic-Indic…): str.isdigit lets them in."""


def _numbers(length: int, check: Callable[[str], int]) -> st.SearchStrategy[str]:
    """Strings near the shape of an identifier: valid ones (by the generator's rule), ones
    with any last digit, other Unicode digits, and anything with a length one off."""
    body = st.text(ASCII_DIGITS, min_size=length - 1, max_size=length - 1)
    return st.one_of(body.map(lambda b: b + str(check(b))),
                     st.builds(lambda b, d: b + str(d), body, st.integers(0, 9)),
                     st.text(ANY_DIGITS, min_size=length, max_size=length),
                     st.text(min_size=length - 1, max_size=length + 1))


@given(st.text(ASCII_DIGITS, min_size=11, max_size=11))
def test_my_number_check_digits_agree(first_eleven: str) -> None:
    assert ledger.my_number_check_digit(first_eleven) == ocr.my_number_check_digit(first_eleven)


@given(_numbers(12, ocr.my_number_check_digit))
def test_my_number_validity_agrees(number: str) -> None:
    assert ledger.is_valid_my_number(number) == ocr.is_valid_my_number(number)


@given(st.text(ASCII_DIGITS, min_size=11, max_size=11))
def test_a_generated_my_number_is_valid_in_the_ledger(first_eleven: str) -> None:
    assert ledger.is_valid_my_number(first_eleven + str(ocr.my_number_check_digit(first_eleven)))


@given(_numbers(6, ocr.local_government_check_digit))
def test_local_government_code_validity_agrees(code: str) -> None:
    assert ledger.is_valid_local_government_code(code) == ocr.is_valid_local_government_code(code)


@given(st.text(ASCII_DIGITS, min_size=7, max_size=7))
def test_a_generated_insurer_number_is_valid_in_the_ledger(first_seven: str) -> None:
    number = first_seven + str(ocr.insurer_check_digit(first_seven))
    assert ledger.is_valid_insurer_number(number)
    wrong = first_seven + str((int(number[7]) + 1) % 10)
    assert not ledger.is_valid_insurer_number(wrong)
