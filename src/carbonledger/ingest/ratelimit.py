"""Per-partner request rate limit: a token bucket per partner in each API process. Pure.

With N worker processes a partner may reach N times the limit; the limit protects the platform
from a runaway client, it is not a quota.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

_BURST_SECONDS = 10


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """`take(partner, per_minute, now)` returns 0 when the request may go, else the seconds to
    wait before retrying."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, partner_id: str, per_minute: int, now: float) -> int:
        rate = per_minute / 60
        capacity = max(1.0, rate * _BURST_SECONDS)
        with self._lock:
            bucket = self._buckets.get(partner_id)
            if bucket is None:
                bucket = self._buckets[partner_id] = _Bucket(capacity, now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0
            return max(1, math.ceil((1 - bucket.tokens) / rate))
