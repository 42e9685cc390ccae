"""Passwords of citizens and operators: argon2id hashes (RFC 9106) and the policy a new password
must meet. Pure."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 128  # argon2 takes any length; a cap keeps a login request cheap to refuse
_HASHER = PasswordHasher()


def password_problem(password: str) -> str | None:
    """What is wrong with a new password, or None when it may be used."""
    if len(password) < MIN_LENGTH:
        return f"a password has at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"a password has at most {MAX_LENGTH} characters"
    if password.isdigit() or password.isalpha():
        return "a password mixes letters with digits or other characters"
    return None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


@cache
def _stand_in_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether `password` is the one behind `stored_hash`; False for no hash at all. Without a
    hash (an unknown account) a stand-in hash is checked all the same, so the answer takes as
    long for an account that does not exist as for one that does."""
    if len(password) > MAX_LENGTH:
        password = ""
    try:
        return _HASHER.verify(stored_hash or _stand_in_hash(), password) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False
