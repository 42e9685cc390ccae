"""The citizen's own account (`/api/v1/me`) and the operators' management of operator accounts
(`/api/v1/admin/operators`, role admin)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from carbonledger import clock, db
from carbonledger.accounts import auth, export, sessions
from carbonledger.accounts import service as accounts
from carbonledger.accounts.dependencies import (
    CITIZEN_ERRORS,
    OPERATOR_ERRORS,
    CurrentCitizen,
    operator_with,
    platform_of,
)
from carbonledger.accounts.schemas import (
    LinkCodeIn,
    LinkCodeOut,
    LinkOut,
    OperatorIn,
    OperatorOut,
    ProfileOut,
)
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
    platform = platform_of(request)

    def read() -> ProfileOut:
        with db.read(platform.engine) as conn:
            return ProfileOut(**auth.profile(conn, platform.keys, citizen))

    return await run_in_threadpool(read)


@router.delete(
    "/api/v1/me",
    status_code=204,
    responses=CITIZEN_ERRORS,
    tags=["citizen"],
    summary="Delete my account: personal data and pseudonym key destroyed, links ended",
)
async def delete_me(citizen: CurrentCitizen, request: Request) -> Response:
    platform = platform_of(request)

    def work() -> None:
        with db.write(platform.engine) as conn:
            accounts.delete_citizen(conn, citizen, clock.now())

    await run_in_threadpool(work)
    response = Response(status_code=204)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.get(
    "/api/v1/me/export",
    responses={
        **CITIZEN_ERRORS,
        200: {
            "description": "JSON: one document; CSV: a ZIP archive with one CSV file per section",
            "content": {"application/json": {}, "application/zip": {}},
        },
    },
    tags=["citizen"],
    summary="Download my data: profile, links, records, point transfers, redemptions, donations",
)
async def export_me(
    citizen: CurrentCitizen,
    request: Request,
    format_: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Response:
    platform = platform_of(request)

    def read() -> dict[str, object]:
        with db.read(platform.engine) as conn:
            return export.export(conn, platform.keys, citizen, platform.settings.zone, clock.now())

    document = await run_in_threadpool(read)
    day = clock.now().astimezone(platform.settings.zone).date().isoformat()
    name = f"carbonledger-{day}"
    body, media_type, suffix = (
        (export.as_json(document), "application/json", "json")
        if format_ == "json"
        else (export.as_csv_zip(document), "application/zip", "csv.zip")
    )
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{suffix}"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/api/v1/me/links",
    response_model=list[LinkOut],
    responses=CITIZEN_ERRORS,
    tags=["citizen"],
    summary="The partner accounts I have linked",
)
async def my_links(citizen: CurrentCitizen, request: Request) -> list[LinkOut]:
    platform = platform_of(request)

    def read() -> list[LinkOut]:
        with db.read(platform.engine) as conn:
            return [LinkOut(**row) for row in accounts.citizen_links(conn, citizen)]

    return await run_in_threadpool(read)


@router.post(
    "/api/v1/me/link-codes",
    status_code=201,
    response_model=LinkCodeOut,
    responses={
        **CITIZEN_ERRORS,
        404: {"model": ErrorOut, "description": "unknown_partner"},
    },
    tags=["citizen"],
    summary="A one-time code that links my account at a partner (PARTNER_API.md §3)",
)
async def new_link_code(body: LinkCodeIn, citizen: CurrentCitizen, request: Request) -> LinkCodeOut:
    platform = platform_of(request)
    minutes = platform.settings.link_code_minutes

    def work() -> LinkCodeOut:
        with db.write(platform.engine) as conn:
            offer = accounts.offer_link_code(conn, citizen, body.partner, clock.now(), minutes)
        return LinkCodeOut(**offer)

    return await run_in_threadpool(work)


@router.delete(
    "/api/v1/me/links/{partner}",
    status_code=204,
    responses={**CITIZEN_ERRORS, 404: {"model": ErrorOut, "description": "not_linked"}},
    tags=["citizen"],
    summary="Unlink a partner: its later records for me stay pending until I link again",
)
async def unlink(partner: str, citizen: CurrentCitizen, request: Request) -> Response:
    platform = platform_of(request)

    def work() -> None:
        with db.write(platform.engine) as conn:
            accounts.unlink_citizen(conn, partner, citizen)

    await run_in_threadpool(work)
    return Response(status_code=204)


@router.get(
    "/api/v1/admin/operators",
    response_model=list[OperatorOut],
    responses=OPERATOR_ERRORS,
    tags=["operator"],
    summary="Operator accounts and their roles",
)
async def list_operators(_operator: Admin, request: Request) -> list[OperatorOut]:
    platform = platform_of(request)

    def read() -> list[OperatorOut]:
        with db.read(platform.engine) as conn:
            return [OperatorOut(**row) for row in auth.operators(conn)]

    return await run_in_threadpool(read)


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
    platform = platform_of(request)

    def work() -> None:
        with db.write(platform.engine) as conn:
            auth.add_operator(
                conn, body.operator, body.name, body.password, body.roles, clock.now()
            )

    await run_in_threadpool(work)
    return OperatorOut(
        operator=body.operator,
        name=body.name.strip(),
        roles=sorted(set(body.roles)),
        status="active",
    )
