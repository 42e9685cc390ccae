"""The one id generator: ULIDs (26 Crockford base-32 characters, time-ordered), e.g. `01J…`."""

from __future__ import annotations

import os
from datetime import datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Two characters for every 10-bit value: a ULID's 80 random bits are 8 table look-ups.
_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]


def _time_part(milliseconds: int) -> str:
    chars = []
    for _ in range(10):
        chars.append(_ALPHABET[milliseconds & 31])
        milliseconds >>= 5
    return "".join(reversed(chars))


def ulid(at: datetime) -> str:
    """A new ULID whose first 48 bits are `at` in milliseconds and the rest random."""
    randomness = int.from_bytes(os.urandom(10), "big")
    tail = "".join(_PAIRS[(randomness >> shift) & 1023] for shift in range(70, -10, -10))
    return _time_part(int(at.timestamp() * 1000)) + tail


def random_code(length: int) -> str:
    """A random code from the unambiguous Crockford alphabet (no I, L, O, U)."""
    return "".join(_ALPHABET[b & 31] for b in os.urandom(length))
