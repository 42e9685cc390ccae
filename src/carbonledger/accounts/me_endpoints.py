"""The citizen's own account (`/api/v1/me`) and the operators' management of operator accounts
(`/api/v1/admin/operators`, role admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from carbonledger import clock, transactions
from carbonledger.accounts import auth, sessions
from carbonledger.accounts import service as accounts
from carbonledger.accounts.dependencies import (
    CITIZEN_ERRORS,
    OPERATOR_ERRORS,
    CurrentCitizen,
    operator_with,
    platform_of,
)
from carbonledger.accounts.schemas import OperatorIn, OperatorOut, ProfileOut
from carbonledger.ingest.schemas import ErrorOut

router = APIRouter()
Admin = Annotated[str, Depends(operator_with("admin"))]


@router.get(
    "/api/v1/me",
    response_model=ProfileOut,
    responses=CITIZEN_ERRORS,
    tags=["citizen"],
    summary="My profile (name and phone masked) and points balance",
)
async def me(citizen: CurrentCitizen, request: Request) -> ProfileOut:
    keys = platform_of(request).keys
    return ProfileOut(
        **await transactions.read(request, lambda conn: auth.profile(conn, keys, citizen))
    )


@router.delete(
    "/api/v1/me",
    status_code=204,
    responses=CITIZEN_ERRORS,
    tags=["citizen"],
    summary="Delete my account: personal data and pseudonym key destroyed, links ended",
)
async def delete_me(citizen: CurrentCitizen, request: Request) -> Response:
    now = clock.now()
    await transactions.write(request, lambda conn: accounts.delete_citizen(conn, citizen, now))
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.get(
    "/api/v1/admin/operators",
    response_model=list[OperatorOut],
    responses=OPERATOR_ERRORS,
    tags=["operator"],
    summary="Operator accounts and their roles",
)
async def list_operators(_operator: Admin, request: Request) -> list[OperatorOut]:
    return [OperatorOut(**row) for row in await transactions.read(request, auth.operators)]


@router.post(
    "/api/v1/admin/operators",
    status_code=201,
    response_model=OperatorOut,
    responses={
        **OPERATOR_ERRORS,
        400: {"model": ErrorOut, "description": "invalid_operator"},
        409: {"model": ErrorOut, "description": "operator_exists"},
    },
    tags=["operator"],
    summary="Create an operator account with roles",
)
async def add_operator(body: OperatorIn, _operator: Admin, request: Request) -> OperatorOut:
    now = clock.now()
    new = await run_in_threadpool(
        auth.new_operator, body.operator, body.name, body.password, body.roles
    )
    await transactions.write(request, lambda conn: auth.add_operator(conn, new, now))
    return OperatorOut(
        operator=body.operator,
        name=body.name.strip(),
        roles=sorted(set(body.roles)),
        status="active",
    )
