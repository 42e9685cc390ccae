"""Deterministic behaviour streams of a synthetic city. Pure: the same seed gives the same
records, so a run can be repeated and an interrupted import resumed.

Each citizen has a commute mode, one or two step counters, habits and an engagement level: a small
core takes part nearly every day, regulars on some days, and most registered people only now and
then (as on real carbon-inclusion platforms, where daily users are a small share of those
registered). A day on which a citizen takes part brings commute peaks (fewer trips at weekends),
a daily step total, orders and now and then a recycling pickup or an appliance. A share of
trips is also reported by a map app (a cross-partner duplicate), people with two step counters
report two totals, and a few records are implausible.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from carbonledger.simulate.people import Habits, habits


@dataclass(frozen=True, slots=True)
class PartnerProfile:
    """A partner of the synthetic city and the scenarios it reports."""

    id: str
    name: str
    role: str
    scenarios: tuple[str, ...]


PARTNERS: tuple[PartnerProfile, ...] = (
    PartnerProfile("bikeshare", "城市单车 City Bikes", "both", ("cycling",)),
    PartnerProfile("metro", "城市地铁 City Metro", "both", ("metro",)),
    PartnerProfile("bus", "城市公交 City Bus", "both", ("bus",)),
    PartnerProfile("maps-a", "甲地图 Maps A", "data", ("cycling", "metro", "bus")),
    PartnerProfile("maps-b", "乙地图 Maps B", "data", ("cycling", "metro", "bus")),
    PartnerProfile("steps-a", "健步甲 Steps A", "data", ("walking",)),
    PartnerProfile("steps-b", "健步乙 Steps B", "data", ("walking",)),
    PartnerProfile(
        "food", "外卖平台 Food Delivery", "data", ("no_tableware", "clean_plate", "own_bag")
    ),
    PartnerProfile(
        "bank", "城市银行 City Bank", "both", ("e_billing", "paperless", "online_meeting")
    ),
    PartnerProfile(
        "recycler",
        "回收平台 Recycler",
        "data",
        ("clothes_recycling", "returned_box", "garbage_sorting", "secondhand"),
    ),
    PartnerProfile("appliances", "家电商城 Appliance Store", "both", ("green_appliance",)),
    PartnerProfile(
        "motoring", "车主服务 Motoring", "data", ("nev_charging", "etc", "car_free_day")
    ),
    PartnerProfile("mall", "城市商圈 City Mall", "merchant", ()),
)

_MODE_PARTNER = {"cycling": "bikeshare", "metro": "metro", "bus": "bus"}


@dataclass(frozen=True, slots=True)
class Occasional:
    """A less frequent behaviour: its daily share of people, partner, hour and quantity range
    (None: one), whether it carries an evidence key, and its length in minutes for intervals."""

    share: float
    partner: str
    scenario: str
    hour: float
    quantity: tuple[float, float] | None = None
    keyed: bool = False
    minutes: float = 0


OCCASIONAL = (
    Occasional(0.05, "bank", "e_billing", 10, keyed=True),
    Occasional(0.02, "recycler", "returned_box", 18, keyed=True),
    Occasional(0.01, "recycler", "garbage_sorting", 8, (0.5, 6)),
    Occasional(0.005, "recycler", "clothes_recycling", 15, (1, 8), keyed=True),
    Occasional(0.003, "recycler", "secondhand", 16, keyed=True),
    Occasional(0.002, "appliances", "green_appliance", 14, (50, 400), keyed=True),
    Occasional(0.01, "motoring", "nev_charging", 20, (10, 45), minutes=60),
    Occasional(0.005, "motoring", "etc", 9, keyed=True),
    Occasional(0.002, "motoring", "car_free_day", 7),
    Occasional(0.013, "bank", "paperless", 11, (1, 30)),
    Occasional(0.005, "bank", "online_meeting", 15, keyed=True),
    Occasional(0.015, "food", "own_bag", 19),
)


def user_id(partner_id: str, citizen: int) -> str:
    """The partner's own id for the synthetic citizen number `citizen`."""
    return f"{partner_id}-u{citizen:07d}"


@dataclass(frozen=True, slots=True)
class Report:
    """One record as one partner reports it."""

    partner_id: str
    record: dict[str, Any]


class City:
    """Behaviour streams of `citizens` synthetic people over days from `first_day`. `engaged`:
    each citizen takes part on a day by their engagement level's chance, as a real city's people
    do (the demo); otherwise everyone takes part every day, the heaviest load a population
    makes (the simulator, imports and benchmarks)."""

    def __init__(
        self,
        seed: int,
        citizens: int,
        zone: ZoneInfo,
        duplicate_share: float = 0.3,
        implausible_share: float = 0.005,
        *,
        engaged: bool = False,
    ) -> None:
        self.seed = seed
        self.citizens = citizens
        self.zone = zone
        self.duplicate_share = duplicate_share
        self.implausible_share = implausible_share
        self.engaged = engaged
        self.people = [habits(seed, citizen) for citizen in range(citizens)]

    def day(self, day: date) -> Iterator[Report]:
        """Every report of one local day, in time order per citizen."""
        weekend = day.weekday() >= 5
        # Who takes part today: one draw per citizen from the day's own stream, cheaper than a
        # stream per citizen for the many who do nothing.
        draws = random.Random(hash((self.seed, day.toordinal())) & 0xFFFFFFFF)
        for citizen, who in enumerate(self.people):
            if not self.engaged or draws.random() < who.engagement.chance(weekend):
                yield from self._citizen_day(citizen, who, day)

    def days(self, first_day: date, count: int) -> Iterator[Report]:
        for offset in range(count):
            yield from self.day(first_day + timedelta(days=offset))

    def _at(self, day: date, hour: float) -> datetime:
        return datetime.combine(day, time(0), self.zone) + timedelta(hours=hour)

    def _citizen_day(self, citizen: int, who: Habits, day: date) -> Iterator[Report]:
        rng = random.Random(hash((self.seed, citizen, day.toordinal())) & 0xFFFFFFFF)
        weekend = day.weekday() >= 5
        tag = f"{day:%Y%m%d}-{citizen}"
        if rng.random() < (0.3 if weekend else 0.75):
            for leg, hour in enumerate((rng.uniform(7, 9.5), rng.uniform(17, 19.5))):
                yield from self._trip(rng, who, citizen, day, hour, f"{tag}-{leg}")
        steps = rng.randint(2_000, 16_000)
        for counter in who.counters:
            total = max(500, int(steps * rng.uniform(0.9, 1.1)))
            yield Report(
                counter,
                self._record(
                    counter,
                    citizen,
                    f"{tag}-walk",
                    "walking",
                    self._at(day, 21.5),
                    total,
                    who.district,
                ),
            )
        if rng.random() < who.orders_per_week / 7:
            order = f"order-{tag}"
            yield Report(
                "food",
                self._record(
                    "food",
                    citizen,
                    f"{tag}-order",
                    "no_tableware",
                    self._at(day, 12.2),
                    1,
                    who.district,
                    key=order,
                ),
            )
            if rng.random() < 0.1:  # the platform resends an order under a new id
                yield Report(
                    "food",
                    self._record(
                        "food",
                        citizen,
                        f"{tag}-order-again",
                        "no_tableware",
                        self._at(day, 12.3),
                        1,
                        who.district,
                        key=order,
                    ),
                )
            yield Report(
                "food",
                self._record(
                    "food",
                    citizen,
                    f"{tag}-plate",
                    "clean_plate",
                    self._at(day, 12.9),
                    1,
                    who.district,
                ),
            )
        yield from self._occasional(rng, who, citizen, day, tag)

    def _trip(
        self, rng: random.Random, who: Habits, citizen: int, day: date, hour: float, tag: str
    ) -> Iterator[Report]:
        mode = who.mode
        minutes = who.commute_km / (14 if mode == "cycling" else 25) * 60 + rng.uniform(3, 10)
        start = self._at(day, hour)
        quantity: float = who.commute_km if mode == "cycling" else 1
        if mode == "cycling" and rng.random() < self.implausible_share:
            minutes = 3  # a scooter reported as a bike: implausible speed
        partner = _MODE_PARTNER[mode]
        yield Report(
            partner,
            self._trip_record(partner, citizen, tag, mode, start, minutes, quantity, who.district),
        )
        if who.map_app and rng.random() < self.duplicate_share / 0.5:
            shift = timedelta(minutes=rng.uniform(-2, 2))
            map_quantity = round(quantity * rng.uniform(0.95, 1.05), 2) if mode == "cycling" else 1
            yield Report(
                who.map_app,
                self._trip_record(
                    who.map_app,
                    citizen,
                    tag,
                    mode,
                    start + shift,
                    minutes,
                    map_quantity,
                    who.district,
                ),
            )

    def _occasional(
        self, rng: random.Random, who: Habits, citizen: int, day: date, tag: str
    ) -> Iterator[Report]:
        """At most one less frequent behaviour a day, drawn from OCCASIONAL by its share."""
        draw = rng.random()
        for habit in OCCASIONAL:
            if draw < habit.share:
                quantity = round(rng.uniform(*habit.quantity), 1) if habit.quantity else 1
                key = f"{habit.scenario}-{tag}" if habit.keyed else None
                embodied = rng.randint(2_000, 60_000) if habit.scenario == "secondhand" else None
                start = self._at(day, habit.hour)
                if habit.minutes:
                    record = self._trip_record(
                        habit.partner,
                        citizen,
                        f"{tag}-occ",
                        habit.scenario,
                        start,
                        habit.minutes,
                        quantity,
                        who.district,
                    )
                else:
                    record = self._record(
                        habit.partner,
                        citizen,
                        f"{tag}-occ",
                        habit.scenario,
                        start,
                        quantity,
                        who.district,
                        key=key,
                        embodied_g=embodied,
                    )
                yield Report(habit.partner, record)
                return
            draw -= habit.share

    def _record(
        self,
        partner: str,
        citizen: int,
        tag: str,
        scenario: str,
        at: datetime,
        quantity: float,
        region: str,
        key: str | None = None,
        embodied_g: int | None = None,
    ) -> dict[str, Any]:
        record: dict[str, Any] = {
            "external_id": f"{partner}-{tag}",
            "user": user_id(partner, citizen),
            "scenario": scenario,
            "occurred_at": at.isoformat(timespec="seconds"),
            "quantity": quantity,
            "region": region,
        }
        evidence: dict[str, Any] = {}
        if key:
            evidence["key"] = key
        if embodied_g:
            evidence["embodied_g"] = embodied_g
        if evidence:
            record["evidence"] = evidence
        return record

    def _trip_record(
        self,
        partner: str,
        citizen: int,
        tag: str,
        scenario: str,
        start: datetime,
        minutes: float,
        quantity: float,
        region: str,
    ) -> dict[str, Any]:
        record = self._record(
            partner, citizen, f"{tag}-{scenario}", scenario, start, quantity, region
        )
        record["ended_at"] = (start + timedelta(minutes=minutes)).isoformat(timespec="seconds")
        return record
