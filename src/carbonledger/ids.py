"""The one id generator: ULIDs (26 Crockford base-32 characters, time-ordered), e.g. `01J…`."""

from __future__ import annotations

import base64
import os
from datetime import datetime
from functools import lru_cache

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# RFC 4648 base 32 spells the same 5-bit groups with other letters.
_FROM_BASE32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET)


@lru_cache(maxsize=64)
def _time_part(milliseconds: int) -> str:
    chars = []
    for _ in range(10):
        chars.append(_ALPHABET[milliseconds & 31])
        milliseconds >>= 5
    return "".join(reversed(chars))


def ulid(at: datetime) -> str:
    """A new ULID whose first 48 bits are `at` in milliseconds and the rest random."""
    tail = base64.b32encode(os.urandom(10)).decode("ascii").translate(_FROM_BASE32)
    return _time_part(int(at.timestamp() * 1000)) + tail


def random_code(length: int) -> str:
    """A random code from the unambiguous Crockford alphabet (no I, L, O, U)."""
    return "".join(_ALPHABET[b & 31] for b in os.urandom(length))
