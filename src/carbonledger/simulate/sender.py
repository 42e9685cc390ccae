"""A simulated partner on the wire (`carbonledger simulate`): signed batches paced to a rate,
sent again after a 429 (once its Retry-After has passed), a 502/503/504 or a lost connection —
each time freshly signed, with a new nonce and timestamp — and every answer tallied.

Sending a batch again is safe: records are idempotent by external_id, so a batch the platform
did store before the connection dropped comes back as replays.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

import httpx

from carbonledger.client import PartnerClient
from carbonledger.simulate.tally import Tally

_RETRY_STATUSES = frozenset({429, 502, 503, 504})
_MAX_BACKOFF_SECONDS = 8.0


class GaveUp(Exception):
    """The platform refused a batch, or did not answer after every retry."""


class _Stopped(Exception):
    """The run was asked to stop while waiting to send."""


@dataclass(frozen=True, slots=True)
class Pace:
    """How a partner sends: records a second (0: as fast as it is answered), records a batch,
    at most `limit` records (None: all it has), and retries of a batch before giving up."""

    rate: float
    batch_size: int
    limit: int | None = None
    retries: int = 5


def _batches(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def _refusal(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        return f"HTTP {response.status_code} {error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}"


def _wait_before_retry(response: httpx.Response | None, attempt: int) -> float:
    if response is not None and response.status_code == 429:
        retry_after = response.headers.get("Retry-After", "1")
        return float(retry_after) if retry_after.isdigit() else 1.0
    return min(_MAX_BACKOFF_SECONDS, 0.25 * float(2**attempt))


def _send(
    client: PartnerClient,
    batch: list[dict[str, Any]],
    pace: Pace,
    stop: threading.Event,
    tally: Tally,
) -> tuple[dict[str, Any], float]:
    """One batch until it is answered: the answer and the latency (ms) of the answered try."""
    attempt = 0
    while True:
        began = time.perf_counter()
        response: httpx.Response | None = None
        try:
            response = client.submit(batch)
        except httpx.TransportError as error:
            problem = f"no answer from {client.http.base_url}: {error or type(error).__name__}"
        else:
            if response.status_code == 200:
                answer: dict[str, Any] = response.json()
                return answer, (time.perf_counter() - began) * 1000
            problem = _refusal(response)
            if response.status_code not in _RETRY_STATUSES:
                raise GaveUp(problem)
        if attempt == pace.retries:
            raise GaveUp(f"{problem} (after {pace.retries} retries)")
        tally.retries += 1
        if stop.wait(_wait_before_retry(response, attempt)):
            raise _Stopped
        attempt += 1


def run_partner(
    client: PartnerClient,
    records: Iterable[dict[str, Any]],
    pace: Pace,
    stop: threading.Event,
    on_batch: Callable[[Tally], None] = lambda _: None,
) -> Tally:
    """Send `records` as `client`'s partner at `pace` until they are sent, the limit is reached,
    the platform refuses, or `stop` is set; return what came back."""
    tally = Tally(client.partner_id)
    started = time.monotonic()
    sent = 0
    chosen = islice(records, pace.limit) if pace.limit is not None else records
    try:
        for batch in _batches(chosen, pace.batch_size):
            # Batch k leaves when the records before it are due at the rate: an even pace.
            due = started + sent / pace.rate if pace.rate else 0.0
            if stop.wait(max(0.0, due - time.monotonic())):
                break
            answer, latency_ms = _send(client, batch, pace, stop, tally)
            tally.add(answer, latency_ms)
            sent += len(batch)
            on_batch(tally)
    except GaveUp as error:
        tally.failure = str(error)
    except _Stopped:
        pass
    tally.seconds = time.monotonic() - started
    return tally
