"""The one id generator: ULIDs (26 Crockford base-32 characters, time-ordered), e.g. `01J…`."""

from __future__ import annotations

import base64
import os
from datetime import datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_FROM_RFC4648 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())
# 128 bits of ULID are 26 base-32 characters; base32 of 20 bytes (4 zero bytes first) is 32
# characters, the first 6 of which carry only the zero padding.
_PAD = b"\0\0\0\0"


def ulid(at: datetime) -> str:
    """A new ULID whose first 48 bits are `at` in milliseconds and the rest random."""
    raw = int(at.timestamp() * 1000).to_bytes(6, "big") + os.urandom(10)
    return base64.b32encode(_PAD + raw).translate(_FROM_RFC4648)[6:].decode()


def random_code(length: int) -> str:
    """A random code from the unambiguous Crockford alphabet (no I, L, O, U)."""
    return "".join(_ALPHABET[b & 31] for b in os.urandom(length))
