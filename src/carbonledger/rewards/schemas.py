"""Wire schemas of rewards, redemptions and settlement statements, and the conversion of stored
rows to them. Merchant request bodies are read raw (the signature covers the exact bytes) and
parsed with these models; the citizen's are ordinary JSON bodies."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from carbonledger.bounds import Amount, Instant
from carbonledger.ingest.schemas import ErrorOut
from carbonledger.keys import Keys
from carbonledger.rewards import vouchers
from carbonledger.rewards.rules import KINDS

RewardStatusOut = Literal["pending", "active", "suspended", "withdrawn"]
_STRICT = ConfigDict(extra="forbid", strict=True)
Responses = dict[int | str, dict[str, Any]]


def refusal(codes: str) -> dict[str, Any]:
    """An error answer for a route's `responses=`, naming its codes."""
    return {"model": ErrorOut, "description": codes}


class RewardIn(BaseModel):
    """A new reward. `valid_from` defaults to now; `per_citizen_limit` null means no limit."""

    model_config = _STRICT

    kind: str = Field(description=", ".join(KINDS))
    name_zh: str
    name_en: str
    price: Amount = Field(description="points")
    stock: Amount
    per_citizen_limit: Amount | None = None
    valid_from: Instant | None = None
    valid_until: Instant


class RewardChange(BaseModel):
    """Terms to change; absent fields stay. `stock` is the number of items left from now on."""

    model_config = _STRICT

    price: Amount | None = None
    stock: Amount | None = None
    per_citizen_limit: Amount | None = None
    valid_from: Instant | None = None
    valid_until: Instant | None = None


class RewardOut(BaseModel):
    id: str
    merchant: str
    kind: str
    kind_zh: str
    kind_en: str
    name_zh: str
    name_en: str
    price: int
    stock: int
    per_citizen_limit: int | None
    valid_from: datetime
    valid_until: datetime
    status: RewardStatusOut


class RedemptionCounts(BaseModel):
    reserved: int = 0
    confirmed: int = 0
    voided: int = 0


class RewardListing(RewardOut):
    """A reward as its merchant and the operator see it, with its redemptions per state."""

    redemptions: RedemptionCounts


class RewardsOut(BaseModel):
    rewards: list[RewardOut]


class RewardListingsOut(BaseModel):
    rewards: list[RewardListing]


class RedeemIn(BaseModel):
    """`idempotency_key`: chosen by the app for this redemption; sending it again returns the
    first redemption instead of redeeming twice."""

    model_config = ConfigDict(extra="forbid")

    reward: str = Field(min_length=1, max_length=26)
    idempotency_key: str = Field(min_length=1, max_length=64)


class RedemptionOut(BaseModel):
    id: str
    reward: str
    kind: str
    name_zh: str
    name_en: str
    merchant: str
    points: int
    voucher: str
    state: Literal["reserved", "confirmed", "voided"]
    void_reason: Literal["cancelled", "expired"] | None
    created_at: datetime
    expires_at: datetime
    confirmed_at: datetime | None
    voided_at: datetime | None
    replayed: bool | None = None


class RedemptionsOut(BaseModel):
    redemptions: list[RedemptionOut]


class StatementLine(BaseModel):
    day: date
    reward: str
    kind: str
    name_zh: str
    name_en: str
    confirmed: int
    points: int


class StatementTotals(BaseModel):
    confirmed: int
    points: int


class StatementOut(BaseModel):
    """Confirmed vouchers per local day and reward, from `from` to `to` inclusive."""

    model_config = ConfigDict(populate_by_name=True)

    merchant: str
    first: date = Field(alias="from")
    last: date = Field(alias="to")
    lines: list[StatementLine]
    totals: StatementTotals


def reward_out(row: Any) -> RewardOut:
    return RewardOut(**_reward_fields(row))


def reward_listing(row: Any, counts: dict[str, int]) -> RewardListing:
    return RewardListing(**_reward_fields(row), redemptions=RedemptionCounts(**counts))


def listings(listed: list[tuple[Any, Counter[str]]]) -> RewardListingsOut:
    """Rewards with their redemptions per state, as `catalogue.overview` gives them."""
    return RewardListingsOut(rewards=[reward_listing(row, dict(c)) for row, c in listed])


def _reward_fields(row: Any) -> dict[str, Any]:
    kind_zh, kind_en = KINDS[row.kind]
    return {
        "id": row.id,
        "merchant": row.partner_id,
        "kind": row.kind,
        "kind_zh": kind_zh,
        "kind_en": kind_en,
        "name_zh": row.name_zh,
        "name_en": row.name_en,
        "price": row.price,
        "stock": row.stock,
        "per_citizen_limit": row.per_citizen_limit,
        "valid_from": row.valid_from,
        "valid_until": row.valid_until,
        "status": row.status,
    }


def redemption_out(row: Any, keys: Keys, replayed: bool | None = None) -> RedemptionOut:
    return RedemptionOut(
        id=row.id,
        reward=row.reward_id,
        kind=row.kind,
        name_zh=row.name_zh,
        name_en=row.name_en,
        merchant=row.partner_id,
        points=row.points,
        voucher=vouchers.shown(keys, row),
        state=row.state,
        void_reason=row.void_reason,
        created_at=row.created_at,
        expires_at=row.expires_at,
        confirmed_at=row.confirmed_at,
        voided_at=row.voided_at,
        replayed=replayed,
    )
