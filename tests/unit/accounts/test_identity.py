"""ID numbers (GB 11643 check digit) and phone numbers."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.accounts import identity
from tests.factories import id_number


def test_a_published_example_is_valid() -> None:
    # The GB 11643-1999 example number.
    assert identity.id_number_problem("11010519491231002X") is None
    assert identity.birth_date("11010519491231002X") == date(1949, 12, 31)


def test_lowercase_x_is_accepted() -> None:
    assert identity.id_number_problem("11010519491231002x") is None


@given(st.integers(min_value=0, max_value=9_999_999))
def test_every_single_digit_change_is_caught(serial: int) -> None:
    number = id_number(serial)
    assert identity.id_number_problem(number) is None
    for position in range(17):
        digit = int(number[position])
        changed = number[:position] + str((digit + 1) % 10) + number[position + 1 :]
        assert identity.id_number_problem(changed) is not None


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        ("1101051949123100", "17 digits"),
        ("110105194912310021", "check digit"),
        ("110105194902300028", "birth date"),
    ],
)
def test_bad_numbers_say_what_is_wrong(number: str, fragment: str) -> None:
    problem = identity.id_number_problem(number)
    assert problem is not None and fragment in problem


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("13912345678", True),
        ("+86 139-1234-5678", True),
        ("12912345678", False),
        ("1391234567", False),
    ],
)
def test_phones(value: str, ok: bool) -> None:
    assert (identity.phone_problem(value) is None) is ok
