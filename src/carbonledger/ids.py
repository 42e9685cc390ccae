"""The one id generator: ULIDs (26 Crockford base-32 characters, time-ordered), e.g. `01J…`."""

from __future__ import annotations

import os
from datetime import datetime
from functools import lru_cache

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Every 10-bit value as its two characters, so 80 random bits are spelled in 8 look-ups.
_PAIRS = tuple(a + b for a in _ALPHABET for b in _ALPHABET)


@lru_cache(maxsize=64)
def _time_part(milliseconds: int) -> str:
    chars = []
    for _ in range(10):
        chars.append(_ALPHABET[milliseconds & 31])
        milliseconds >>= 5
    return "".join(reversed(chars))


def ulid(at: datetime) -> str:
    """A new ULID whose first 48 bits are `at` in milliseconds and the rest random."""
    return ulids(at, 1)[0]


def ulids(at: datetime, count: int) -> list[str]:
    """`count` new ULIDs of the instant `at`, from one read of the system's randomness."""
    time_part = _time_part(int(at.timestamp() * 1000))
    entropy = os.urandom(10 * count)
    p = _PAIRS
    made = []
    for start in range(0, 10 * count, 10):
        r = int.from_bytes(entropy[start : start + 10], "big")
        made.append(
            "".join(
                (
                    time_part,
                    p[r >> 70],
                    p[(r >> 60) & 1023],
                    p[(r >> 50) & 1023],
                    p[(r >> 40) & 1023],
                    p[(r >> 30) & 1023],
                    p[(r >> 20) & 1023],
                    p[(r >> 10) & 1023],
                    p[r & 1023],
                )
            )
        )
    return made


def random_code(length: int) -> str:
    """A random code from the unambiguous Crockford alphabet (no I, L, O, U)."""
    return "".join(_ALPHABET[b & 31] for b in os.urandom(length))
