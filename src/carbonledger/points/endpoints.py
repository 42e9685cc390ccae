"""Points routes: the operator's award rules and campaigns (`/api/v1/admin/points/…`, role
`points`), the campaigns running now (public) and a citizen's points (`/api/v1/me/points`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import (
    CITIZEN_ERRORS,
    OPERATOR_ERRORS,
    CurrentCitizen,
    operator_with,
    platform_of,
)
from carbonledger.ingest.schemas import ErrorOut
from carbonledger.points import service
from carbonledger.points.campaigns import Campaign
from carbonledger.points.schemas import (
    CampaignAdminOut,
    CampaignIn,
    CampaignOut,
    PointsOut,
    RulesIn,
    RulesOut,
    TopUpIn,
)
from carbonledger.points.statement import statement

router = APIRouter()
PointsOperator = Annotated[str, Depends(operator_with("points"))]
_UNKNOWN: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "unknown_campaign"}
}
_CLOSED: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorOut, "description": "campaign_closed or idempotency_key_reused"}
}


@router.get(
    "/api/v1/admin/points/rules",
    response_model=RulesOut,
    responses=OPERATOR_ERRORS,
    tags=["operator"],
    summary="The award rules in force (points per gram, daily cap) and earlier versions",
)
async def get_rules(_operator: PointsOperator, request: Request) -> RulesOut:
    return RulesOut.of_versions(await transactions.read(request, service.rules_versions))


@router.put(
    "/api/v1/admin/points/rules",
    response_model=RulesOut,
    responses={**OPERATOR_ERRORS, 400: {"model": ErrorOut, "description": "invalid_rules"}},
    tags=["operator"],
    summary="Set the award rules for every credit from now on",
)
async def put_rules(body: RulesIn, operator: PointsOperator, request: Request) -> RulesOut:
    def work(conn: Connection) -> RulesOut:
        service.set_rules(conn, body.mg_per_point, body.daily_cap, operator, clock.now())
        return RulesOut.of_versions(service.rules_versions(conn))

    return await transactions.write(request, work)


@router.get(
    "/api/v1/admin/points/campaigns",
    response_model=list[CampaignAdminOut],
    responses=OPERATOR_ERRORS,
    tags=["operator"],
    summary="Every campaign, open and closed, with its budget",
)
async def list_campaigns(_operator: PointsOperator, request: Request) -> list[CampaignAdminOut]:
    return [CampaignAdminOut.of(s) for s in await transactions.read(request, service.campaigns)]


@router.post(
    "/api/v1/admin/points/campaigns",
    status_code=201,
    response_model=CampaignAdminOut,
    responses={
        **OPERATOR_ERRORS,
        400: {"model": ErrorOut, "description": "invalid_campaign (every problem listed)"},
        409: {"model": ErrorOut, "description": "campaign_exists"},
    },
    tags=["operator"],
    summary="Create a campaign and fund its budget from issuance",
)
async def create_campaign(
    body: CampaignIn, operator: PointsOperator, request: Request
) -> CampaignAdminOut:
    platform = platform_of(request)
    campaign = Campaign(
        **body.model_dump(exclude={"scenarios", "categories", "regions"}),
        scenarios=frozenset(body.scenarios),
        categories=frozenset(body.categories),
        regions=frozenset(body.regions),
    )

    def work(conn: Connection) -> CampaignAdminOut:
        state = service.create_campaign(conn, platform.catalogue, campaign, operator, clock.now())
        return CampaignAdminOut.of(state)

    return await transactions.write(request, work)


@router.post(
    "/api/v1/admin/points/campaigns/{campaign_id}/top-ups",
    response_model=CampaignAdminOut,
    responses={**OPERATOR_ERRORS, **_UNKNOWN, **_CLOSED},
    tags=["operator"],
    summary="Add points to a campaign's budget from issuance (idempotent by your key)",
)
async def top_up(
    campaign_id: str, body: TopUpIn, operator: PointsOperator, request: Request
) -> CampaignAdminOut:
    def work(conn: Connection) -> CampaignAdminOut:
        state = service.top_up(
            conn, campaign_id, body.points, body.idempotency_key, operator, clock.now()
        )
        return CampaignAdminOut.of(state)

    return await transactions.write(request, work)


@router.post(
    "/api/v1/admin/points/campaigns/{campaign_id}/close",
    response_model=CampaignAdminOut,
    responses={**OPERATOR_ERRORS, **_UNKNOWN, **_CLOSED},
    tags=["operator"],
    summary="Close a campaign; what is left of its budget returns to issuance",
)
async def close_campaign(
    campaign_id: str, operator: PointsOperator, request: Request
) -> CampaignAdminOut:
    def work(conn: Connection) -> CampaignAdminOut:
        return CampaignAdminOut.of(service.close_campaign(conn, campaign_id, operator, clock.now()))

    return await transactions.write(request, work)


@router.get(
    "/api/v1/campaigns",
    response_model=list[CampaignOut],
    tags=["public"],
    summary="Campaigns running now with budget left (public)",
)
async def running_campaigns(request: Request) -> list[CampaignOut]:
    now = clock.now()
    states = await transactions.read(request, lambda conn: service.running_campaigns(conn, now))
    return [CampaignOut.of(s) for s in states]


@router.get(
    "/api/v1/me/points",
    response_model=PointsOut,
    responses=CITIZEN_ERRORS,
    tags=["citizen"],
    summary="My points: balance, what expires when, and the latest movements",
)
async def my_points(
    citizen: CurrentCitizen,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200, description="Movements shown.")] = 20,
) -> PointsOut:
    zone = platform_of(request).settings.zone
    now = clock.now()
    seen = await transactions.read(request, lambda conn: statement(conn, citizen, zone, now, limit))
    return PointsOut.of(seen)
