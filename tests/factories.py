"""Factories for test data: partners with keys, citizens with valid identifiers, links, records."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.accounts.auth import add_operator as add_operator_account
from carbonledger.accounts.auth import new_operator
from carbonledger.accounts.passwords import hash_password
from carbonledger.accounts.sessions import CSRF_HEADER
from carbonledger.ids import ulid
from carbonledger.ingest import pending
from carbonledger.ingest.signing import public_key_b64
from carbonledger.lotteries.terms import LotteryTerms, PrizeTerms
from carbonledger.platform import Platform
from carbonledger.points import ledger
from carbonledger.points import service as points_service
from carbonledger.points.campaigns import Campaign
from carbonledger.points.postings import ISSUANCE, Transfer, citizen_account
from carbonledger.rewards import catalogue
from carbonledger.rewards.rules import Terms
from carbonledger.simulate.population import synthetic_id_number, synthetic_phone

_counter = itertools.count(1)
_last = 0


def next_serial() -> int:
    """A new serial for unique synthetic identifiers."""
    global _last  # noqa: PLW0603 - one counter for the whole test session
    _last = next(_counter)
    return _last


def last_serial() -> int:
    return _last


def id_number(serial: int | None = None) -> str:
    return synthetic_id_number(next(_counter) if serial is None else serial)


def phone(serial: int | None = None) -> str:
    return synthetic_phone(next(_counter) if serial is None else serial)


@dataclass
class MadePartner:
    id: str
    key: Ed25519PrivateKey


def add_partner(
    platform: Platform, partner_id: str | None = None, role: str = "data"
) -> MadePartner:
    partner_id = partner_id or f"partner-{next(_counter)}"
    key = Ed25519PrivateKey.generate()
    with db.write(platform.engine) as conn:
        accounts.add_partner(
            conn, partner_id, partner_id.title(), public_key_b64(key), role, clock.now()
        )
    return MadePartner(partner_id, key)


def add_partner_with_key(platform: Platform, key: Ed25519PrivateKey) -> str:
    """A data partner registered with a given signing key."""
    partner_id = f"partner-{next(_counter)}"
    with db.write(platform.engine) as conn:
        accounts.add_partner(conn, partner_id, "Partner", public_key_b64(key), "data", clock.now())
    return partner_id


PASSWORD = "green-pass-1"


def add_citizen(platform: Platform, password: str | None = None) -> str:
    return new_citizen(platform, password)[0]


def new_citizen(platform: Platform, password: str | None = None) -> tuple[str, str]:
    """A registered citizen: (id, phone); with a password they can log in."""
    serial = next(_counter)
    with db.write(platform.engine) as conn:
        citizen_id = accounts.add_citizen(
            conn,
            platform.keys,
            name=f"市民{serial}",
            phone=phone(serial),
            id_number=id_number(serial),
            region=platform.settings.region,
            now=clock.now(),
            password_hash=hash_password(password) if password else None,
        )
    return citizen_id, phone(serial)


def register(url: str, **changes: str) -> httpx.Response:
    """Register a new citizen over HTTP with valid details, changed by `changes`."""
    serial = next_serial()
    body = {
        "name": "李小绿",
        "phone": phone(serial),
        "id_number": id_number(serial),
        "password": PASSWORD,
        **changes,
    }
    return httpx.post(f"{url}/api/v1/citizens", json=body, timeout=30)


def _logged_in(url: str, path: str, body: dict[str, str]) -> httpx.Client:
    answer = httpx.post(url + path, json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    return httpx.Client(
        base_url=url,
        timeout=30,
        cookies=answer.cookies,
        headers={CSRF_HEADER: answer.json()["csrf"]},
    )


def citizen_client(url: str, platform: Platform) -> tuple[str, httpx.Client]:
    """A new citizen logged in over HTTP: the client sends the session cookie and CSRF token."""
    citizen_id, number = new_citizen(platform, PASSWORD)
    return citizen_id, _logged_in(
        url, "/api/v1/session/citizen", {"phone": number, "password": PASSWORD}
    )


def add_operator(platform: Platform, roles: tuple[str, ...] = ("admin",)) -> str:
    operator_id = f"operator-{next(_counter)}"
    new = new_operator(operator_id, "值班员", PASSWORD, list(roles))
    with db.write(platform.engine) as conn:
        add_operator_account(conn, new, clock.now())
    return operator_id


def operator_client(
    url: str, platform: Platform, roles: tuple[str, ...] = ("admin",)
) -> httpx.Client:
    """A new operator with `roles`, logged in over HTTP."""
    operator_id = add_operator(platform, roles)
    return _logged_in(
        url, "/api/v1/session/operator", {"operator": operator_id, "password": PASSWORD}
    )


def link(
    platform: Platform, partner_id: str, user: str, citizen_id: str, now: datetime | None = None
) -> int:
    """Link a partner user to a citizen the way the API does; return pending records credited."""
    now = now or clock.now()
    with db.write(platform.engine) as conn:
        code = accounts.create_link_code(conn, platform.keys, citizen_id, partner_id, now, 10)
    with db.write(platform.engine) as conn:
        return pending.link(conn, platform, partner_id, user, code, now)


def record(
    scenario: str = "cycling",
    *,
    user: str = "u-1",
    start: datetime | None = None,
    minutes: float = 20,
    quantity: float = 4.2,
    external_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A wire record; interval scenarios get `ended_at` = start + minutes."""
    start = start or clock.now() - timedelta(hours=1)
    body: dict[str, Any] = {
        "external_id": external_id or f"r-{next(_counter)}-{random.randrange(10**9)}",
        "user": user,
        "scenario": scenario,
        "occurred_at": start.isoformat(),
        "quantity": quantity,
    }
    if scenario in ("cycling", "bus", "metro", "nev_charging"):
        body["ended_at"] = (start + timedelta(minutes=minutes)).isoformat()
    body.update(extra)
    return body


def add_campaign(platform: Platform, now: datetime | None = None, **fields: Any) -> Campaign:
    """A funded campaign, created as the operator would: by default double points for green
    travel anywhere, from a day before `now` to a day after, with a budget of 100,000 points."""
    now = now or clock.now()
    values: dict[str, Any] = {
        "id": f"campaign-{next(_counter)}",
        "name_zh": "绿色出行双倍积分",
        "name_en": "Double points for green travel",
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=1),
        "multiplier_permille": 2000,
        "scenarios": frozenset(),
        "categories": frozenset({"green_travel"}),
        "regions": frozenset(),
        "budget": 100_000,
    }
    campaign = Campaign(**(values | fields))
    with db.write(platform.engine) as conn:
        points_service.create_campaign(conn, platform.catalogue, campaign, "operator-1", now)
    return campaign


def lottery_terms(
    merchant: str, opens_at: datetime, closes_at: datetime, **overrides: Any
) -> LotteryTerms:
    """Terms of a clean-plate lottery: two entries a day earned, entries sold at 100 points, one
    prize of 1 and one of 2 from `merchant`, one prize per account."""
    fields: dict[str, Any] = {
        "name_zh": "光盘打卡抽奖",
        "name_en": "Clean-plate check-in lottery",
        "scenario": "clean_plate",
        "daily_entries": 2,
        "entry_price": 100,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "one_per_account": True,
        "prizes": (
            PrizeTerms(merchant, "Cinema tickets for two", 1),
            PrizeTerms(merchant, "Coffee voucher", 2),
        ),
    }
    fields.update(overrides)
    return LotteryTerms(**fields)


def won_prize(platform: Platform, merchant_id: str, citizen_id: str) -> str:
    """A lottery of one prize from `merchant_id` whose only entry the citizen bought, closed and
    drawn: the citizen holds the prize's voucher. Returns the lottery's id."""
    from carbonledger.lotteries import purchases
    from carbonledger.lotteries import service as lotteries

    now = clock.now()
    prize = PrizeTerms(merchant_id, "骑行头盔", 1)
    terms = lottery_terms(
        merchant_id, now - timedelta(hours=1), now + timedelta(hours=1), prizes=(prize,)
    )
    grant_points(platform, citizen_id, 100)
    with db.write(platform.engine) as conn:
        lottery: str = lotteries.create(conn, platform, terms, "op", now - timedelta(hours=2))
    with db.write(platform.engine) as conn:
        purchases.buy(conn, lottery, citizen_id, 1, f"entry-{lottery}", now)
    later = now + timedelta(hours=1, seconds=1)
    with db.write(platform.engine) as conn:
        lotteries.close(conn, lottery, later)
    with db.write(platform.engine) as conn:
        lotteries.draw(conn, platform, lottery, later)
    return lottery


def add_reward(platform: Platform, merchant_id: str, **terms: Any) -> str:
    """A reward listed by `merchant_id` (a merchant partner): a shop coupon for 100 points, 10
    in stock, valid from an hour ago for 30 days, unless `terms` say otherwise."""
    now = clock.now()
    values: dict[str, Any] = {
        "kind": "shop_coupon",
        "name_zh": "购物券",
        "name_en": "Shop coupon",
        "price": 100,
        "stock": 10,
        "per_citizen_limit": None,
        "valid_from": now - timedelta(hours=1),
        "valid_until": now + timedelta(days=30),
        **terms,
    }
    with db.write(platform.engine) as conn:
        reward_id: str = catalogue.create(conn, merchant_id, Terms(**values), now).id
    return reward_id


def grant_points(platform: Platform, citizen_id: str, points: int) -> None:
    """Give a citizen points from the city's issuance account, as an award would."""
    now = clock.now()
    grant = Transfer(f"grant:{ulid(now)}", "award", ISSUANCE, citizen_account(citizen_id), points)
    with db.write(platform.engine) as conn:
        ledger.post(conn, [grant], now)


def shop(platform: Platform, points: int = 500, **terms: Any) -> tuple[str, str, str]:
    """(merchant, citizen, reward): a merchant with one reward (`add_reward`'s terms, changed by
    `terms`) and a citizen holding `points`."""
    merchant = add_partner(platform, role="merchant").id
    citizen = add_citizen(platform)
    grant_points(platform, citizen, points)
    return merchant, citizen, add_reward(platform, merchant, **terms)


def portal_key(platform: Platform, partner_id: str) -> str:
    """A fresh portal access key for the partner's staff, as the operator's CLI issues it."""
    from carbonledger.accounts import portal

    new = portal.new_portal_key()
    with db.write(platform.engine) as conn:
        return portal.issue_portal_key(conn, partner_id, new, clock.now())


def portal_client(url: str, platform: Platform, partner_id: str) -> httpx.Client:
    """The partner's staff logged in to the portal over HTTP (the client keeps the cookie)."""
    form = {"partner": partner_id, "access_key": portal_key(platform, partner_id)}
    answer = httpx.post(f"{url}/portal/login", data=form, timeout=30)
    assert answer.status_code == 303, answer.text
    return httpx.Client(base_url=url, timeout=30, cookies=answer.cookies)


def change_leaf(platform: Platform, index: int, old: bytes, new: bytes) -> None:
    """Change stored leaf `index` behind the log's back (its tiles and checkpoints stay)."""
    from sqlalchemy import select, update

    from carbonledger.translog import tiles
    from carbonledger.translog.tables import log_bundles

    bundle = index // tiles.TILE_WIDTH
    with db.write(platform.engine) as conn:
        data = conn.execute(
            select(log_bundles.c.data).where(log_bundles.c.idx == bundle)
        ).scalar_one()
        entries = tiles.decode_bundle(data)
        position = index % tiles.TILE_WIDTH
        assert old in entries[position], "the leaf does not hold what is to be changed"
        entries[position] = entries[position].replace(old, new)
        conn.execute(
            update(log_bundles)
            .where(log_bundles.c.idx == bundle)
            .values(data=tiles.encode_bundle(entries))
        )


def started_event(platform: Platform, citizen_id: str) -> tuple[str, str]:
    """(event, attendance code): a fish release that began an hour ago, created and signed up
    for by `citizen_id` the day before."""
    from carbonledger.engagement import events

    earlier = clock.now() - timedelta(days=1)
    new = events.NewEvent(
        "fish_release",
        "增殖放流",
        "Fish release",
        "渔港码头",
        clock.now() - timedelta(hours=1),
        clock.now() + timedelta(hours=1),
        5,
        20,
        100,
    )
    with db.write(platform.engine) as conn:
        event, code = events.create_event(conn, platform.keys, new, None, earlier)
        events.sign_up(conn, event, citizen_id, earlier)
    return event, code
