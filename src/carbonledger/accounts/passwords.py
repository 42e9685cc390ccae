"""Passwords of citizens and operators: argon2id hashes (RFC 9106) and the policy a new password
must meet. Pure."""

from __future__ import annotations

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


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether `password` is the one behind `stored_hash`; False for no hash at all."""
    if stored_hash is None or len(password) > MAX_LENGTH:
        return False
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False
