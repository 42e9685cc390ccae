"""Routes of donations: the public list of projects with their progress, a citizen's donations
(`/api/v1/me/donations`), and the operator's projects (role `points`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.engine import Connection, Row

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import (
    CITIZEN_ERRORS,
    OPERATOR_ERRORS,
    CurrentCitizen,
    operator_with,
)
from carbonledger.donations import service
from carbonledger.donations.rules import ProjectTerms
from carbonledger.donations.schemas import (
    DonationIn,
    DonationOut,
    FundedOut,
    MyDonationsOut,
    ProjectIn,
    ProjectOut,
    StatusIn,
)
from carbonledger.ingest.schemas import ErrorOut

router = APIRouter()
PointsOperator = Annotated[str, Depends(operator_with("points"))]
_UNKNOWN_PROJECT: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "unknown_project"}
}


@router.get(
    "/api/v1/projects",
    response_model=list[ProjectOut],
    tags=["public"],
    summary="Public-welfare projects (公益项目) with their goals and progress",
)
async def list_projects(request: Request) -> list[ProjectOut]:
    return [ProjectOut.of(row) for row in await transactions.read(request, service.projects)]


@router.get(
    "/api/v1/projects/{project}",
    response_model=ProjectOut,
    responses=_UNKNOWN_PROJECT,
    tags=["public"],
    summary="One project and its progress",
)
async def get_project(project: str, request: Request) -> ProjectOut:
    return ProjectOut.of(
        await transactions.read(request, lambda conn: service.project(conn, project))
    )


@router.post(
    "/api/v1/me/donations",
    status_code=201,
    response_model=DonationOut,
    responses={
        **CITIZEN_ERRORS,
        200: {"model": DonationOut, "description": "a retry: the earlier donation, replayed"},
        400: {"model": ErrorOut, "description": "invalid_units or invalid_donation"},
        **_UNKNOWN_PROJECT,
        409: {
            "model": ErrorOut,
            "description": "insufficient_points, project_closed, goal_reached, over_goal or "
            "idempotency_key_reused",
        },
    },
    tags=["citizen"],
    summary="Donate points to a project (积分捐赠), in whole units",
)
async def donate(
    body: DonationIn, citizen: CurrentCitizen, request: Request, response: Response
) -> DonationOut:
    now = clock.now()
    done = await transactions.write(
        request,
        lambda conn: service.donate(conn, citizen, body.project, body.units, body.key, now),
    )
    if done.replayed:
        response.status_code = 200
    return DonationOut.of(done.donation, replayed=done.replayed)


@router.get(
    "/api/v1/me/donations",
    response_model=MyDonationsOut,
    responses=CITIZEN_ERRORS,
    tags=["citizen"],
    summary="What I funded, per project, and my latest donations",
)
async def my_donations(citizen: CurrentCitizen, request: Request) -> MyDonationsOut:
    funded = await transactions.read(request, lambda conn: service.funded_by(conn, citizen))
    return MyDonationsOut(
        funded=[FundedOut.of(row) for row in funded.projects],
        recent=[DonationOut.of(row) for row in funded.recent],
    )


@router.post(
    "/api/v1/admin/projects",
    status_code=201,
    response_model=ProjectOut,
    responses={**OPERATOR_ERRORS, 400: {"model": ErrorOut, "description": "invalid_project"}},
    tags=["operator"],
    summary="Open a project to donations",
)
async def create_project(body: ProjectIn, operator: PointsOperator, request: Request) -> ProjectOut:
    terms, now = ProjectTerms(**body.model_dump()), clock.now()

    def work(conn: Connection) -> Row[Any]:
        project_id = service.create_project(conn, terms, operator, now)
        return service.project(conn, project_id)

    return ProjectOut.of(await transactions.write(request, work))


@router.put(
    "/api/v1/admin/projects/{project}/status",
    response_model=ProjectOut,
    responses={
        **OPERATOR_ERRORS,
        400: {"model": ErrorOut, "description": "invalid_status"},
        **_UNKNOWN_PROJECT,
    },
    tags=["operator"],
    summary="Close a project to donations, or open it again",
)
async def set_status(
    project: str, body: StatusIn, _operator: PointsOperator, request: Request
) -> ProjectOut:
    def work(conn: Connection) -> Row[Any]:
        service.set_status(conn, project, body.status)
        return service.project(conn, project)

    return ProjectOut.of(await transactions.write(request, work))
