"""The one canonical encoding: RFC 8785 JSON Canonicalization Scheme (JCS), UTF-8.

Log leaves are hashed as bytes, so every encoder of a leaf must produce the same bytes. The fast
path uses the standard library where it provably agrees with RFC 8785 (ASCII keys sort the same
by code point and by UTF-16 unit; integers and floats in [1e-4, 1e16) print the same as
ECMAScript's Number-to-String once integral floats are written as integers); anything else goes
through the reference implementation.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

_SAFE_INTEGER = 2**53
_encode = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode
_string = json.encoder.encode_basestring  # what the encoder above uses for every string


def _fast(value: Any) -> Any:
    """`value` with integral floats as ints, or raise LookupError where the fast path may differ.
    Exact type checks: a subclass (an IntEnum, say) takes the reference path."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return value
    if kind is int:
        if -_SAFE_INTEGER < value < _SAFE_INTEGER:
            return value
        raise LookupError
    if kind is float:
        if value.is_integer():
            if abs(value) < _SAFE_INTEGER:
                return int(value)
            raise LookupError  # ECMAScript prints the shortest digits padded with zeros
        if 1e-4 <= abs(value) < 1e16:
            return value
        raise LookupError
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                raise LookupError
            out[key] = item if type(item) is str else _fast(item)
        return out
    if kind is list or kind is tuple:
        return [_fast(item) for item in value]
    raise LookupError


def json_string(value: str) -> str:
    """A string's RFC 8785 form: the standard library's escaping agrees (quote, backslash and
    control characters only; everything else as itself)."""
    return _string(value)


def json_number(value: int | float) -> str | None:
    """A number's RFC 8785 form where the standard library's agrees with ECMAScript's, else None
    (the caller then takes `canonical_json`)."""
    try:
        return repr(_fast(value))
    except LookupError:
        return None


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
    try:
        return _encode(_fast(value)).encode()
    except LookupError:
        return rfc8785.dumps(value)
