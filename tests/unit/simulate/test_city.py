"""The synthetic city: deterministic, valid records covering every scenario, with the
duplicates real partners produce."""

from __future__ import annotations

from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

from carbonledger.ingest.records import Record, validate
from carbonledger.methodology.catalogue import Catalogue
from carbonledger.simulate.city import PARTNERS, City
from carbonledger.simulate.people import CORE, DEMO_CITIZEN, ENGAGEMENT

ZONE = ZoneInfo("Asia/Shanghai")


def _week(seed: int = 5) -> list[tuple[str, dict[str, object]]]:
    town = City(seed, 300, ZONE)
    return [(r.partner_id, r.record) for r in town.days(date(2026, 11, 2), 7)]


def test_the_same_seed_gives_the_same_city() -> None:
    assert _week() == _week()
    assert _week() != _week(seed=6)


def test_every_scenario_and_partner_appears_and_records_are_valid() -> None:
    catalogue = Catalogue.load()
    reports = _week()
    parsed = [validate(record, catalogue) for _, record in reports]
    assert all(isinstance(p, Record) for p in parsed)
    assert {p.scenario for p in parsed if isinstance(p, Record)} == {
        s.code for s in catalogue.scenarios
    }
    assert {partner for partner, _ in reports} == {p.id for p in PARTNERS if p.role != "merchant"}
    assert len({record["external_id"] for _, record in reports}) == len(reports)


def test_duplicates_like_real_partners() -> None:
    reports = _week()
    trips = Counter(
        (str(record["user"]).split("-u")[1], str(record["occurred_at"])[:13], record["scenario"])
        for partner, record in reports
        if partner.startswith("maps-")
    )
    assert trips, "map apps report trips too"
    walkers = Counter(
        str(r["user"]).split("-u")[1] + str(r["occurred_at"])[:10]
        for p, r in reports
        if r["scenario"] == "walking"
    )
    assert max(walkers.values()) == 2, "some people carry two step counters"
    keys = Counter(
        str(r.get("evidence", {}).get("key"))
        for _, r in reports  # type: ignore[union-attr]
        if r["scenario"] == "no_tableware"
    )
    assert max(keys.values()) == 2, "an order is sometimes resent under a new id"


def _acting(town: City, day: date) -> Counter[str]:
    """How many citizens of each engagement level did something on `day`."""
    people = {int(str(r.record["user"]).split("-u")[1]) for r in town.day(day)}
    return Counter(town.people[citizen].engagement.name for citizen in people)


def test_a_small_core_takes_part_daily_and_most_people_now_and_then() -> None:
    town = City(5, 5000, ZONE, engaged=True)
    levels = Counter(who.engagement.name for who in town.people)
    assert levels["occasional"] > 0.8 * len(town.people) > levels["core"] + levels["regular"]
    assert town.people[DEMO_CITIZEN].engagement is CORE
    assert sum(level.share for level in ENGAGEMENT) == 1
    monday, sunday = _acting(town, date(2026, 11, 2)), _acting(town, date(2026, 11, 8))
    assert monday["core"] > 0.85 * levels["core"]
    assert monday["occasional"] < 0.02 * levels["occasional"]
    assert monday["regular"] < 0.3 * levels["regular"]
    assert sum(sunday.values()) < sum(monday.values())


def test_without_engagement_everyone_takes_part_every_day() -> None:
    town = City(5, 300, ZONE)
    assert sum(_acting(town, date(2026, 11, 2)).values()) == 300
