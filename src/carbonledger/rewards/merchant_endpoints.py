"""Merchant routes (`/api/v1/merchant/...`), signed like the partner API (PARTNER_API.md §1):
list and manage rewards, check and confirm vouchers, read the settlement statement. A merchant
sees and touches only its own rewards and vouchers; a data-only partner is refused."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ValidationError

from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import InvalidInput
from carbonledger.ingest.auth import Caller
from carbonledger.ingest.endpoints import signed_call
from carbonledger.ingest.schemas import SIGNED_ERRORS
from carbonledger.rewards import catalogue, service
from carbonledger.rewards.rules import RewardStatus, Terms
from carbonledger.rewards.schemas import (
    RedemptionOut,
    Responses,
    RewardChange,
    RewardIn,
    RewardListingsOut,
    RewardOut,
    StatementLine,
    StatementOut,
    StatementTotals,
    listings,
    redemption_out,
    refusal,
    reward_out,
)
from carbonledger.transactions import read, write

router = APIRouter(tags=["merchant"])
Model = TypeVar("Model", bound=BaseModel)
_MERCHANT_ERRORS: Responses = {
    **SIGNED_ERRORS,
    403: refusal("partner_suspended or not_a_merchant"),
}
_NOT_FOUND: Responses = {404: refusal("unknown_reward")}
_VOUCHER_NOT_FOUND: Responses = {404: refusal("unknown_voucher")}
_WITHDRAWN: Responses = {410: refusal("reward_withdrawn")}
_BAD_TERMS: Responses = {400: refusal("invalid_reward")}


def _body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI description of a raw-read body (flat models: the schema is inline)."""
    schema = model.model_json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _parsed(model: type[Model], body: bytes) -> Model:
    try:
        return model.model_validate_json(body or b"{}")
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in item['loc']) or 'body'}: {item['msg']}"
            for item in error.errors()
        )
        raise InvalidInput(problems, code="invalid_reward") from None


async def _merchant(request: Request) -> tuple[Caller, bytes, datetime]:
    caller, body, now = await signed_call(request)
    caller.require_merchant()
    return caller, body, now


@router.post(
    "/api/v1/merchant/rewards",
    status_code=201,
    response_model=RewardOut,
    responses={**_MERCHANT_ERRORS, **_BAD_TERMS},
    openapi_extra=_body(RewardIn),
    summary="List a new reward: it goes live once an operator approves it",
)
async def create_reward(request: Request) -> RewardOut:
    caller, body, now = await _merchant(request)
    data = _parsed(RewardIn, body).model_dump()
    terms = Terms(**{**data, "valid_from": data["valid_from"] or now})
    row = await write(
        request,
        lambda conn: catalogue.create(conn, caller.partner_id, terms, now, RewardStatus.PENDING),
    )
    return reward_out(row)


@router.get(
    "/api/v1/merchant/rewards",
    response_model=RewardListingsOut,
    responses=_MERCHANT_ERRORS,
    summary="This merchant's rewards in every status, with redemptions per state",
)
async def list_rewards(request: Request) -> RewardListingsOut:
    caller, _, _ = await _merchant(request)
    listed = await read(
        request, lambda conn: catalogue.overview(conn, merchant_id=caller.partner_id)
    )
    return listings(listed)


@router.patch(
    "/api/v1/merchant/rewards/{reward_id}",
    response_model=RewardOut,
    responses={**_MERCHANT_ERRORS, **_BAD_TERMS, **_NOT_FOUND, **_WITHDRAWN},
    openapi_extra=_body(RewardChange),
    summary="Change a reward's price, stock, per-citizen limit or validity",
)
async def change_reward(request: Request, reward_id: str) -> RewardOut:
    caller, body, now = await _merchant(request)
    changes = _parsed(RewardChange, body).model_dump(exclude_unset=True)
    row = await write(
        request,
        lambda conn: catalogue.change(conn, caller.partner_id, reward_id, changes, now),
    )
    return reward_out(row)


@router.post(
    "/api/v1/merchant/rewards/{reward_id}/withdraw",
    response_model=RewardOut,
    responses={**_MERCHANT_ERRORS, **_NOT_FOUND},
    summary="Withdraw a reward for good; vouchers already issued stay usable",
)
async def withdraw_reward(request: Request, reward_id: str) -> RewardOut:
    caller, _, now = await _merchant(request)
    row = await write(
        request,
        lambda conn: catalogue.set_status(
            conn, reward_id, RewardStatus.WITHDRAWN, now, merchant_id=caller.partner_id
        ),
    )
    return reward_out(row)


@router.get(
    "/api/v1/merchant/vouchers/{code}",
    response_model=RedemptionOut,
    responses={**_MERCHANT_ERRORS, **_VOUCHER_NOT_FOUND},
    summary="Check one of this merchant's vouchers before accepting it",
)
async def get_voucher(request: Request, code: str) -> RedemptionOut:
    caller, _, _ = await _merchant(request)
    keys = platform_of(request).keys
    return redemption_out(
        await read(request, lambda conn: service.voucher(conn, keys, caller.partner_id, code)),
        keys,
    )


@router.post(
    "/api/v1/merchant/vouchers/{code}/confirm",
    response_model=RedemptionOut,
    responses={
        **_MERCHANT_ERRORS,
        **_VOUCHER_NOT_FOUND,
        409: refusal("already_confirmed or already_voided"),
        410: refusal("voucher_expired"),
    },
    summary="Confirm a voucher when it is used: its points become this merchant's",
)
async def confirm_voucher(request: Request, code: str) -> RedemptionOut:
    caller, _, now = await _merchant(request)
    platform = platform_of(request)
    keys, zone = platform.keys, platform.settings.zone
    row = await write(
        request,
        lambda conn: service.confirm(conn, keys, caller.partner_id, code, now, zone),
    )
    return redemption_out(row, keys)


@router.get(
    "/api/v1/merchant/settlement",
    response_model=StatementOut,
    responses={**_MERCHANT_ERRORS, 400: refusal("invalid_range")},
    summary="Settlement statement: confirmed vouchers and points per local day and reward",
)
async def settlement(
    request: Request,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
) -> StatementOut:
    caller, _, now = await _merchant(request)
    last = last or now.astimezone(platform_of(request).settings.zone).date()
    first = first or last - timedelta(days=6)
    statement = await read(
        request, lambda conn: service.statement(conn, caller.partner_id, first, last)
    )
    return StatementOut(
        merchant=statement.merchant_id,
        first=statement.first,
        last=statement.last,
        lines=[
            StatementLine(
                day=line.day,
                reward=line.reward_id,
                kind=line.kind,
                name_zh=line.name_zh,
                name_en=line.name_en,
                confirmed=line.confirmed,
                points=int(line.points),
            )
            for line in statement.lines
        ],
        totals=StatementTotals(confirmed=statement.confirmed, points=statement.points),
    )
