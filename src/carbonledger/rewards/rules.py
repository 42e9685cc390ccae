"""Rules of rewards and redemptions (积分兑换规则): reward kinds and terms, when a reward can be
redeemed, the redemption state machine, voucher codes and the postings. Pure.

A redemption starts `reserved`: the reward's price has moved from the citizen to the `reserved`
account and one item of stock is taken. From there exactly one thing happens, once:

    reserved ──confirm (merchant, before the hold ends)──▶ confirmed   reserved → merchant:<id>
    reserved ──cancel (citizen, any time)────────────────▶ voided      reserved → citizen
    reserved ──expire (timeout job, once the hold ends)──▶ voided      reserved → citizen

A confirmed or voided redemption never changes again. Refusals are the domain errors the API
renders, each with a message that says what to do instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from carbonledger import bounds
from carbonledger.errors import Conflict, Gone, InsufficientPoints, InvalidInput
from carbonledger.ids import random_code
from carbonledger.points.postings import RESERVED, Transfer, citizen_account

_MERCHANT_PREFIX = "merchant:"
# Crockford base-32, 60 bits: a guessed code is no use anyway, since a merchant can confirm only
# its own vouchers, but a till should never meet two equal codes.
VOUCHER_LENGTH = 12
MAX_NAME_LENGTH = 100
MAX_PRICE = 100_000_000
MAX_STOCK = 100_000_000
MAX_LIMIT = 10_000
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

KINDS: dict[str, tuple[str, str]] = {
    "metro_topup": ("地铁充值", "Metro top-up"),
    "bus_topup": ("公交充值", "Bus top-up"),
    "bike_pass": ("骑行月卡", "Bike pass"),
    "parking_voucher": ("停车券", "Parking voucher"),
    "shop_coupon": ("购物券", "Shop coupon"),
}


class RewardStatus(StrEnum):
    PENDING = "pending"
    """Listed by its merchant and waiting for the operator's approval: not yet redeemable."""
    ACTIVE = "active"
    """Listed and redeemable while within its validity and in stock."""
    SUSPENDED = "suspended"
    """Hidden and not redeemable by the operator's decision, until the operator restores it."""
    WITHDRAWN = "withdrawn"
    """Taken off the catalogue by its merchant, for good."""


class State(StrEnum):
    RESERVED = "reserved"
    """Points and an item held; the voucher can be used until the hold ends."""
    CONFIRMED = "confirmed"
    """The merchant accepted the voucher; the points are the merchant's."""
    VOIDED = "voided"
    """Cancelled by the citizen or expired; the points and the item went back."""


class Event(StrEnum):
    CONFIRM = "confirm"
    """The merchant accepts the voucher."""
    CANCEL = "cancel"
    """The citizen gives the voucher back."""
    EXPIRE = "expire"
    """The timeout job finds the hold over."""


VOID_REASONS = {Event.CANCEL: "cancelled", Event.EXPIRE: "expired"}


@dataclass(frozen=True, slots=True)
class Terms:
    """What a merchant sets on a reward. `price` is in points, `stock` the items left to redeem,
    `per_citizen_limit` how many one citizen may hold or have used (None: no limit); it can be
    redeemed from `valid_from` until, not including, `valid_until`."""

    kind: str
    name_zh: str
    name_en: str
    price: int
    stock: int
    per_citizen_limit: int | None
    valid_from: datetime
    valid_until: datetime


def terms_problems(terms: Terms) -> list[str]:
    """Every problem of a reward's terms, for one answer that lists them all."""
    found = []
    if terms.kind not in KINDS:
        found.append(f"kind must be one of {', '.join(KINDS)}, not {terms.kind!r}")
    for field, name in (("name_zh", terms.name_zh), ("name_en", terms.name_en)):
        if not name.strip() or len(name) > MAX_NAME_LENGTH:
            found.append(f"{field} must be 1 to {MAX_NAME_LENGTH} characters")
    if not 0 < terms.price <= MAX_PRICE:
        found.append(f"price must be a whole number of points from 1 to {MAX_PRICE}")
    if not 0 <= terms.stock <= MAX_STOCK:
        found.append(f"stock must be from 0 to {MAX_STOCK}")
    limit = terms.per_citizen_limit
    if limit is not None and not 0 < limit <= MAX_LIMIT:
        found.append(f"per_citizen_limit must be from 1 to {MAX_LIMIT}, or null for no limit")
    aware = all(t.utcoffset() is not None for t in (terms.valid_from, terms.valid_until))
    if not aware:
        found.append("valid_from and valid_until need a time zone offset")
    elif terms.valid_from >= terms.valid_until:
        found.append("valid_until must be later than valid_from")
    for field, moment in (("valid_from", terms.valid_from), ("valid_until", terms.valid_until)):
        if aware and (problem := bounds.instant_problem(moment)):
            found.append(f"{field}: {problem}")
    return found


def check_terms(terms: Terms) -> Terms:
    problems = terms_problems(terms)
    if problems:
        raise InvalidInput("; ".join(problems), code="invalid_reward")
    return terms


def check_changeable(status: RewardStatus) -> None:
    """A withdrawn reward is final: its terms and status stay as they were."""
    if status is RewardStatus.WITHDRAWN:
        raise Gone(
            "the merchant withdrew this reward; it cannot change any more — list a new one",
            code="reward_withdrawn",
        )


def next_status(current: RewardStatus, wanted: RewardStatus) -> bool:
    """Whether moving a reward from `current` to `wanted` changes it. Active and suspended move
    freely between each other and to withdrawn, a pending reward goes live when the operator
    approves it (active); withdrawn is final."""
    if current == wanted:
        return False
    check_changeable(current)
    return True


@dataclass(frozen=True, slots=True)
class Offer:
    """A reward as a redemption sees it, with whether its merchant is active."""

    id: str
    merchant_id: str
    status: RewardStatus
    merchant_active: bool
    price: int
    stock: int
    per_citizen_limit: int | None
    valid_from: datetime
    valid_until: datetime


def check_redeemable(offer: Offer, at: datetime, *, held: int, balance: int) -> None:
    """Refuse a redemption at `at` by a citizen who has `balance` points and holds or used
    `held` of this reward; the first reason found, in the order a citizen can act on."""
    if offer.status is RewardStatus.WITHDRAWN:
        raise Gone("the merchant withdrew this reward; choose another", code="reward_withdrawn")
    if offer.status is RewardStatus.SUSPENDED:
        raise Conflict("this reward is suspended; choose another", code="reward_suspended")
    if not offer.merchant_active:
        raise Conflict(
            "this reward's merchant is suspended; choose another", code="reward_suspended"
        )
    if at < offer.valid_from:
        raise Conflict(
            f"this reward can be redeemed from {offer.valid_from.isoformat()}",
            code="reward_not_yet_valid",
        )
    if at >= offer.valid_until:
        raise Gone(
            f"this reward could be redeemed until {offer.valid_until.isoformat()}",
            code="reward_expired",
        )
    if offer.per_citizen_limit is not None and held >= offer.per_citizen_limit:
        raise Conflict(
            f"each citizen may redeem this reward {offer.per_citizen_limit} time(s) and you have; "
            "a cancelled or expired redemption does not count",
            code="redemption_limit_reached",
        )
    if balance < offer.price:
        raise InsufficientPoints(
            f"this reward costs {offer.price} points and you have {balance}; nothing was moved"
        )
    if offer.stock <= 0:
        raise Conflict("this reward is out of stock; try again later", code="out_of_stock")


def advance(state: State, event: Event, *, at: datetime, expires_at: datetime) -> State:
    """The state after `event` at `at` on a redemption in `state` whose hold ends at
    `expires_at`; a confirmed or voided redemption refuses every event."""
    if state is State.CONFIRMED:
        raise Conflict(
            "this voucher was used already (confirmed); it cannot be used or cancelled again",
            code="already_confirmed",
        )
    if state is State.VOIDED:
        raise Conflict(
            "this redemption was voided and its points returned; redeem the reward again",
            code="already_voided",
        )
    hold_over = at >= expires_at
    if event is Event.CONFIRM:
        if hold_over:
            raise Gone(
                f"the voucher's hold ended at {expires_at.isoformat()}; it cannot be used and its "
                "points go back to the citizen",
                code="voucher_expired",
            )
        return State.CONFIRMED
    if event is Event.EXPIRE and not hold_over:
        raise Conflict(f"the voucher is held until {expires_at.isoformat()}", code="hold_not_over")
    return State.VOIDED


def hold_until(at: datetime, hold_minutes: int) -> datetime:
    """When a voucher issued at `at` stops being usable."""
    return at + timedelta(minutes=hold_minutes)


def voucher_code() -> str:
    return random_code(VOUCHER_LENGTH)


def normalize_voucher(text: str) -> str:
    """A voucher as typed at a till: case and separators do not matter."""
    return re.sub(r"[\s-]", "", text).upper()


def key_problem(key: str) -> str | None:
    if _IDEMPOTENCY_KEY.match(key):
        return None
    return "idempotency_key must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', ':' and '-'"


def merchant_account(partner_id: str) -> str:
    return f"{_MERCHANT_PREFIX}{partner_id}"


@dataclass(frozen=True, slots=True)
class Held:
    """What a redemption holds: its points, whose they were and whom they may go to."""

    id: str
    reward_id: str
    citizen_id: str
    merchant_id: str
    points: int


def reservation(held: Held) -> Transfer:
    """Redeeming: the price leaves the citizen for `reserved`."""
    return _transfer(held, "redemption", citizen_account(held.citizen_id), RESERVED)


def settlement(held: Held) -> Transfer:
    """Confirming: the reserved points go to the merchant."""
    return _transfer(held, "redemption_confirm", RESERVED, merchant_account(held.merchant_id))


def release(held: Held) -> Transfer:
    """Voiding: the reserved points go back to the citizen."""
    return _transfer(held, "redemption_void", RESERVED, citizen_account(held.citizen_id))


def _transfer(held: Held, kind: str, debit: str, credit: str) -> Transfer:
    # One key per redemption and stage: a stage posted twice is a retry and writes nothing.
    return Transfer(
        idempotency_key=f"{kind}:{held.id}",
        kind=kind,
        debit=debit,
        credit=credit,
        amount=held.points,
        ref=held.id,
        memo=held.reward_id,
    )


def totals(lines: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """(vouchers, points) over a statement's (count, points) lines."""
    count = points = 0
    for line_count, line_points in lines:
        count += line_count
        points += line_points
    return count, points
