"""Checks of a citizen's identifiers: the resident ID number (GB 11643-1999, 公民身份号码) with
its ISO 7064 MOD 11-2 check digit, and a mainland mobile number. Pure."""

from __future__ import annotations

import re
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_PHONE_SHAPE = re.compile(r"^1[3-9]\d{9}$")


def id_number_problem(value: str) -> str | None:
    """What is wrong with an 18-character ID number, or None when it is valid."""
    number = value.strip().upper()
    if not _ID_SHAPE.match(number):
        return "an ID number has 17 digits and a check character (0-9 or X)"
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "the ID number's birth date (characters 7-14) is not a real date"
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _WEIGHTS, strict=True))
    if _CHECK_CHARS[total % 11] != number[17]:
        return "the ID number's check digit does not match; please check it for a typing error"
    return None


def birth_date(number: str) -> date:
    """The birth date encoded in a valid ID number."""
    number = number.strip()
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def normalise_id_number(value: str) -> str:
    return value.strip().upper()


def phone_problem(value: str) -> str | None:
    """What is wrong with a mobile number, or None when it is valid."""
    if not _PHONE_SHAPE.match(normalise_phone(value)):
        return "a mobile number has 11 digits and starts with 13-19"
    return None


def normalise_phone(value: str) -> str:
    digits = value.strip().replace(" ", "").replace("-", "")
    return digits.removeprefix("+86")
