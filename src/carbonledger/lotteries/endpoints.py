"""Lottery routes: operators (role `points`) create, close and draw; citizens list lotteries,
buy entries and see their own; anyone reads a lottery's full public record."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import (
    CITIZEN_ERRORS,
    OPERATOR_ERRORS,
    CurrentCitizen,
    operator_with,
    platform_of,
)
from carbonledger.ingest.schemas import ErrorOut
from carbonledger.lotteries import purchases, service, views
from carbonledger.lotteries.schemas import (
    LotteryIn,
    LotteryRecordOut,
    MyLotteries,
    MyLotteryOut,
    PurchaseIn,
    PurchaseOut,
)

router = APIRouter()
PointsOperator = Annotated[str, Depends(operator_with("points"))]
_UNKNOWN: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "unknown_lottery"}
}


async def _record(request: Request, lottery_id: str, status: int = 200) -> JSONResponse:
    record = await transactions.read(request, lambda conn: views.public_record(conn, lottery_id))
    return JSONResponse(record, status_code=status)


@router.post(
    "/api/v1/admin/lotteries",
    status_code=201,
    response_model=LotteryRecordOut,
    responses={
        **OPERATOR_ERRORS,
        400: {"model": ErrorOut, "description": "invalid_lottery (every problem listed)"},
    },
    tags=["operator"],
    summary="Create a lottery: its seed's commitment and terms go to the log at once",
)
async def create_lottery(
    body: LotteryIn, operator: PointsOperator, request: Request
) -> JSONResponse:
    platform = platform_of(request)
    now = clock.now()
    lottery_id = await transactions.write(
        request, lambda conn: service.create(conn, platform, body.terms(now), operator, now)
    )
    return await _record(request, lottery_id, 201)


@router.post(
    "/api/v1/admin/lotteries/{lottery_id}/close",
    response_model=LotteryRecordOut,
    responses={
        **OPERATOR_ERRORS,
        **_UNKNOWN,
        409: {"model": ErrorOut, "description": "lottery_still_open or lottery_closed"},
    },
    tags=["operator"],
    summary="Close a lottery's entries after its window: earned entries granted, digest logged",
)
async def close_lottery(lottery_id: str, _operator: PointsOperator, request: Request) -> Any:
    await transactions.write(request, lambda conn: service.close(conn, lottery_id, clock.now()))
    return await _record(request, lottery_id)


@router.post(
    "/api/v1/admin/lotteries/{lottery_id}/draw",
    response_model=LotteryRecordOut,
    responses={
        **OPERATOR_ERRORS,
        **_UNKNOWN,
        409: {
            "model": ErrorOut,
            "description": "lottery_not_closed, lottery_drawn or entries_changed",
        },
    },
    tags=["operator"],
    summary="Draw a closed lottery: the seed revealed in the log, the winners stored",
)
async def draw_lottery(lottery_id: str, _operator: PointsOperator, request: Request) -> Any:
    platform = platform_of(request)
    await transactions.write(
        request, lambda conn: service.draw(conn, platform, lottery_id, clock.now())
    )
    return await _record(request, lottery_id)


@router.get(
    "/api/v1/lotteries/{lottery_id}",
    response_model=LotteryRecordOut,
    responses=_UNKNOWN,
    tags=["public"],
    summary="A lottery's public record: entries by pseudonym, digests, seed, winners, leaves",
)
async def get_lottery(lottery_id: str, request: Request) -> JSONResponse:
    return await _record(request, lottery_id)


@router.get(
    "/api/v1/me/lotteries",
    response_model=MyLotteries,
    responses=CITIZEN_ERRORS,
    tags=["citizen"],
    summary="Lotteries open now and those I hold entries in",
)
async def my_lotteries(citizen: CurrentCitizen, request: Request) -> JSONResponse:
    found = await transactions.read(request, lambda conn: views.visible(conn, citizen, clock.now()))
    return JSONResponse({"lotteries": found})


@router.get(
    "/api/v1/me/lotteries/{lottery_id}",
    response_model=MyLotteryOut,
    responses={**CITIZEN_ERRORS, **_UNKNOWN},
    tags=["citizen"],
    summary="My entries in a lottery and, once drawn, what I won",
)
async def my_lottery(lottery_id: str, citizen: CurrentCitizen, request: Request) -> JSONResponse:
    return JSONResponse(
        await transactions.read(request, lambda conn: views.mine(conn, lottery_id, citizen))
    )


@router.post(
    "/api/v1/me/lotteries/{lottery_id}/entries",
    status_code=201,
    response_model=PurchaseOut,
    responses={
        **CITIZEN_ERRORS,
        **_UNKNOWN,
        200: {"model": PurchaseOut, "description": "the same purchase, asked again by its key"},
        409: {
            "model": ErrorOut,
            "description": "insufficient_points, not_for_sale, lottery_not_open, "
            "lottery_closed or idempotency_key_reused",
        },
    },
    tags=["citizen"],
    summary="Buy entries with points (idempotent by key)",
)
async def buy_entries(
    lottery_id: str, body: PurchaseIn, citizen: CurrentCitizen, request: Request
) -> JSONResponse:
    bought = await transactions.write(
        request,
        lambda conn: purchases.buy(conn, lottery_id, citizen, body.count, body.key, clock.now()),
    )
    out = PurchaseOut(
        lottery=bought.lottery_id,
        entries=list(bought.entries),
        points=bought.points,
        replayed=bought.replayed,
    )
    return JSONResponse(out.model_dump(), status_code=200 if bought.replayed else 201)
