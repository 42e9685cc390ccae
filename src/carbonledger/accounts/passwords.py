"""Passwords of citizens and operators: argon2id hashes (RFC 9106), computed on a few threads of
their own at a lower CPU priority, and the policy a new password must meet."""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from carbonledger.accounts.common_passwords import COMMON

MIN_LENGTH = 8
MAX_LENGTH = 128  # argon2 takes any length; a cap keeps a login request cheap to refuse
_HASHER = PasswordHasher()
_NICER = 10


def _lower_priority() -> None:
    # Linux: a thread's own nice value, inherited by the threads argon2 starts for its lanes.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICER)


# argon2 takes the cores for a tenth of a second and 64 MiB. Passwords are hashed and checked
# on a few threads of their own at a lower CPU priority: a crowd of logins queues there
# instead of starving the requests that credit, redeem or serve pages.
_WORKERS = ThreadPoolExecutor(
    max_workers=max(1, (os.cpu_count() or 2) // 2),
    thread_name_prefix="passwords",
    initializer=_lower_priority,
)


MIN_DISTINCT = 5


def _letters(password: str) -> str:
    """The word a password is built on: lower case, without the digits and symbols around it."""
    return password.lower().strip("0123456789!@#$%^&*()-_=+.,?~ ")


def password_problem(password: str) -> str | None:
    """What is wrong with a new password, or None when it may be used: at least 8 characters
    (not only spaces), at most 128, letters mixed with something else, at least 5 different
    characters, and not built on one of the most common passwords."""
    if len(password.strip()) < MIN_LENGTH:
        return f"a password has at least {MIN_LENGTH} characters, not counting spaces at its ends"
    if len(password) > MAX_LENGTH:
        return f"a password has at most {MAX_LENGTH} characters"
    if password.isdigit() or password.isalpha():
        return "a password mixes letters with digits or other characters"
    if len(set(password)) < MIN_DISTINCT:
        return f"a password has at least {MIN_DISTINCT} different characters"
    if _letters(password) in COMMON or password.lower() in COMMON:
        return "this password is one of the most common ones; choose another"
    return None


def hash_password(password: str) -> str:
    return _WORKERS.submit(_HASHER.hash, password).result()


@cache
def _stand_in_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether `password` is the one behind `stored_hash`; False for no hash at all. Without a
    hash (an unknown account) a stand-in hash is checked all the same, so the answer takes as
    long for an account that does not exist as for one that does."""
    if len(password) > MAX_LENGTH:
        password = ""
    against = stored_hash or _stand_in_hash()
    try:
        return _WORKERS.submit(_HASHER.verify, against, password).result() and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False
