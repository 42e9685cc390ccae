"""The one id generator: ULIDs (26 Crockford base-32 characters, time-ordered), e.g. `01J…`."""

from __future__ import annotations

import os
from datetime import datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(at: datetime) -> str:
    """A new ULID whose first 48 bits are `at` in milliseconds and the rest random."""
    value = (int(at.timestamp() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def random_code(length: int) -> str:
    """A random code from the unambiguous Crockford alphabet (no I, L, O, U)."""
    return "".join(_ALPHABET[b & 31] for b in os.urandom(length))
