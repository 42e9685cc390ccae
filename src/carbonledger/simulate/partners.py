"""Simulated partners at work (`carbonledger simulate`): each in its own thread, sending its
kind's behaviour of the synthetic city to one deployment, until it is all sent or the run is
stopped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonledger.client import PartnerClient
from carbonledger.simulate.sender import Pace, run_partner
from carbonledger.simulate.tally import Tally
from carbonledger.simulate.traffic import partner_records


@dataclass(frozen=True, slots=True)
class SimulatedPartner:
    """A partner to send as: its id, the kind of partner whose behaviour it sends, its key."""

    partner_id: str
    kind: str
    key: Ed25519PrivateKey


@dataclass(frozen=True, slots=True)
class Behaviour:
    """Which synthetic city is sent: its seed and people, the days before `now`, and the run's
    tag."""

    seed: int
    citizens: int
    days: int
    run: str
    zone: ZoneInfo
    now: datetime


def _send_as(
    partner: SimulatedPartner,
    url: str,
    behaviour: Behaviour,
    pace: Pace,
    stop: threading.Event,
    on_batch: Callable[[Tally], None],
) -> Tally:
    records = partner_records(
        partner.kind,
        seed=behaviour.seed,
        citizens=behaviour.citizens,
        zone=behaviour.zone,
        days=behaviour.days,
        now=behaviour.now,
        run=behaviour.run,
    )
    with PartnerClient(url, partner.partner_id, partner.key) as client:
        return run_partner(client, records, pace, stop, on_batch)


def run_all(
    url: str,
    chosen: list[SimulatedPartner],
    behaviour: Behaviour,
    pace: Pace,
    on_batch: Callable[[Tally], None] = lambda _: None,
) -> tuple[list[Tally], bool]:
    """Every partner in its own thread; Ctrl-C lets each finish its batch in flight. Return the
    tallies, in the order of `chosen`, and whether the run was stopped early. `on_batch` gets a
    partner's tally after each of its answered batches (from that partner's thread)."""
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=len(chosen)) as pool:
        futures = [
            pool.submit(_send_as, partner, url, behaviour, pace, stop, on_batch)
            for partner in chosen
        ]
        try:
            return [future.result() for future in futures], False
        except KeyboardInterrupt:
            stop.set()
            return [future.result() for future in futures], True
