"""What a simulated partner sends (`carbonledger simulate`): its own share of the synthetic
city's behaviour, as records of things that have already happened. Pure.

A partner id of the synthetic city (`bikeshare`, `maps-a`, ...) behaves as that partner; any
other id takes the behaviour of a `kind` of partner. The people are the demo city's by default
(its seed), so at a demo deployment their users are linked and their records credited. Every
external_id starts with the run's tag: a new run sends new records, and a run repeated with the
same tag and seed resends the same ones, which come back as replays.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from carbonledger.errors import InvalidInput
from carbonledger.simulate.city import PARTNERS, City, PartnerProfile

DEMO_SEED = 2022  # simulate/demo.py builds its city from this seed
_KINDS = {p.id: p for p in PARTNERS if p.scenarios}


def profile_of(partner_id: str, kind: str | None = None) -> PartnerProfile:
    """The synthetic partner whose behaviour `partner_id` sends."""
    wanted = kind or partner_id
    found = _KINDS.get(wanted)
    if found is None:
        hint = "" if kind else f"; give --kind for {partner_id!r}"
        raise InvalidInput(
            f"{wanted!r} is not a data partner of the synthetic city{hint}: one of "
            + ", ".join(_KINDS),
            code="unknown_kind",
        )
    return found


def is_city_partner(partner_id: str) -> bool:
    """Whether `partner_id` is a data partner of the synthetic city."""
    return partner_id in _KINDS


def _span(record: dict[str, Any]) -> tuple[datetime, datetime]:
    start = datetime.fromisoformat(record["occurred_at"])
    return start, datetime.fromisoformat(record["ended_at"]) if "ended_at" in record else start


def partner_records(
    kind: str,
    *,
    seed: int,
    citizens: int,
    zone: ZoneInfo,
    days: int,
    now: datetime,
    run: str,
) -> Iterator[dict[str, Any]]:
    """The records partner `kind` reports of what happened in the `days` × 24 hours before `now`
    (nothing that ends later: it has not happened yet); external ids are prefixed with `run`."""
    since = now - timedelta(days=days)
    town = City(seed, citizens, zone)
    for report in town.days(since.astimezone(zone).date(), days + 1):
        if report.partner_id != kind:
            continue
        start, end = _span(report.record)
        if since <= start and end <= now:
            yield {**report.record, "external_id": f"{run}-{report.record['external_id']}"}
