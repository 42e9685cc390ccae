"""The per-partner token bucket."""

from __future__ import annotations

from carbonledger.ingest.ratelimit import RateLimiter


def test_burst_then_refusal_with_retry_after() -> None:
    limiter = RateLimiter()
    allowed = [limiter.take("p", 60, 100.0) for _ in range(10)]
    assert allowed == [0] * 10
    assert limiter.take("p", 60, 100.0) == 1


def test_tokens_come_back_with_time_and_partners_are_separate() -> None:
    limiter = RateLimiter()
    for _ in range(10):
        limiter.take("p", 60, 0.0)
    assert limiter.take("p", 60, 0.0) > 0
    assert limiter.take("q", 60, 0.0) == 0
    assert limiter.take("p", 60, 1.0) == 0
