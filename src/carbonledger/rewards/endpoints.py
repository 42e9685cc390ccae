"""Reward routes: the public catalogue (`/api/v1/rewards`), the citizen's redemptions
(`/api/v1/me/redemptions`), the operator's oversight (`/api/v1/admin/rewards`, role `points`),
and, included from `merchant_endpoints`, the signed merchant routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from carbonledger import clock
from carbonledger.accounts.dependencies import (
    CITIZEN_ERRORS,
    OPERATOR_ERRORS,
    CurrentCitizen,
    operator_with,
    platform_of,
)
from carbonledger.rewards import catalogue, merchant_endpoints, service
from carbonledger.rewards.rules import RewardStatus
from carbonledger.rewards.schemas import (
    RedeemIn,
    RedemptionOut,
    RedemptionsOut,
    Responses,
    RewardListingsOut,
    RewardOut,
    RewardsOut,
    listings,
    redemption_out,
    refusal,
    reward_out,
)
from carbonledger.transactions import read, write

router = APIRouter()
router.include_router(merchant_endpoints.router)
PointsOperator = Annotated[str, Depends(operator_with("points"))]
_UNKNOWN_REDEMPTION: Responses = {404: refusal("unknown_redemption")}


@router.get(
    "/api/v1/rewards",
    response_model=RewardsOut,
    tags=["rewards"],
    summary="The rewards a citizen can redeem now (public)",
)
async def list_available(request: Request, kind: str | None = None) -> RewardsOut:
    rows = await read(request, lambda conn: catalogue.available(conn, clock.now(), kind))
    return RewardsOut(rewards=[reward_out(row) for row in rows])


@router.post(
    "/api/v1/me/redemptions",
    status_code=201,
    response_model=RedemptionOut,
    responses={
        **CITIZEN_ERRORS,
        200: {"model": RedemptionOut, "description": "a retry: the first redemption"},
        400: refusal("invalid_redemption"),
        404: refusal("unknown_reward"),
        409: refusal(
            "out_of_stock, insufficient_points, redemption_limit_reached, reward_suspended, "
            "reward_not_yet_valid or idempotency_key_reused"
        ),
        410: refusal("reward_withdrawn or reward_expired"),
    },
    tags=["citizen"],
    summary="Redeem a reward: its points are held and a voucher issued",
)
async def redeem(
    body: RedeemIn, citizen: CurrentCitizen, request: Request, response: Response
) -> RedemptionOut:
    platform, now = platform_of(request), clock.now()
    keys, hold = platform.keys, platform.settings.redemption_hold_minutes
    redeemed = await write(
        request,
        lambda conn: service.redeem(
            conn, keys, citizen, body.reward, body.idempotency_key, now, hold
        ),
    )
    if redeemed.replayed:
        response.status_code = 200
    return redemption_out(redeemed.redemption, keys, replayed=redeemed.replayed)


@router.get(
    "/api/v1/me/redemptions",
    response_model=RedemptionsOut,
    responses=CITIZEN_ERRORS,
    tags=["citizen"],
    summary="My redemptions with their vouchers, newest first",
)
async def my_redemptions(citizen: CurrentCitizen, request: Request) -> RedemptionsOut:
    rows = await read(request, lambda conn: service.redemptions_of(conn, citizen))
    keys = platform_of(request).keys
    return RedemptionsOut(redemptions=[redemption_out(row, keys) for row in rows])


@router.get(
    "/api/v1/me/redemptions/{redemption_id}",
    response_model=RedemptionOut,
    responses={**CITIZEN_ERRORS, **_UNKNOWN_REDEMPTION},
    tags=["citizen"],
    summary="One of my redemptions",
)
async def my_redemption(
    redemption_id: str, citizen: CurrentCitizen, request: Request
) -> RedemptionOut:
    return redemption_out(
        await read(request, lambda conn: service.mine(conn, citizen, redemption_id)),
        platform_of(request).keys,
    )


@router.post(
    "/api/v1/me/redemptions/{redemption_id}/cancel",
    response_model=RedemptionOut,
    responses={
        **CITIZEN_ERRORS,
        **_UNKNOWN_REDEMPTION,
        409: refusal("already_confirmed or already_voided"),
    },
    tags=["citizen"],
    summary="Give back an unused voucher: the points and the item return",
)
async def cancel(redemption_id: str, citizen: CurrentCitizen, request: Request) -> RedemptionOut:
    now = clock.now()
    row = await write(request, lambda conn: service.cancel(conn, citizen, redemption_id, now))
    return redemption_out(row, platform_of(request).keys)


@router.get(
    "/api/v1/admin/rewards",
    response_model=RewardListingsOut,
    responses=OPERATOR_ERRORS,
    tags=["operator"],
    summary="Every reward in any status, with redemptions per state",
)
async def all_rewards(
    _operator: PointsOperator,
    request: Request,
    status: RewardStatus | None = None,
    merchant: str | None = None,
) -> RewardListingsOut:
    listed = await read(
        request, lambda conn: catalogue.overview(conn, merchant_id=merchant, status=status)
    )
    return listings(listed)


async def _set_status(request: Request, reward_id: str, wanted: RewardStatus) -> RewardOut:
    now = clock.now()
    row = await write(request, lambda conn: catalogue.set_status(conn, reward_id, wanted, now))
    return reward_out(row)


_STATUS_ERRORS: Responses = {
    **OPERATOR_ERRORS,
    404: refusal("unknown_reward"),
    410: refusal("reward_withdrawn"),
}


@router.post(
    "/api/v1/admin/rewards/{reward_id}/suspend",
    response_model=RewardOut,
    responses=_STATUS_ERRORS,
    tags=["operator"],
    summary="Suspend a reward: hidden and not redeemable; vouchers issued stay usable",
)
async def suspend(reward_id: str, _operator: PointsOperator, request: Request) -> RewardOut:
    return await _set_status(request, reward_id, RewardStatus.SUSPENDED)


@router.post(
    "/api/v1/admin/rewards/{reward_id}/restore",
    response_model=RewardOut,
    responses=_STATUS_ERRORS,
    tags=["operator"],
    summary="Approve a merchant's new reward, or restore a suspended one, to the catalogue",
)
async def restore(reward_id: str, _operator: PointsOperator, request: Request) -> RewardOut:
    return await _set_status(request, reward_id, RewardStatus.ACTIVE)
