"""A citizen's own data (`/api/v1/me/...`): the partner accounts they linked, a new one-time
link code (PARTNER_API.md §3), unlinking, and downloading everything the platform holds about
them (JSON, or a ZIP archive of CSV files)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from carbonledger import clock, transactions
from carbonledger.accounts import export
from carbonledger.accounts import service as accounts
from carbonledger.accounts.dependencies import CITIZEN_ERRORS, CurrentCitizen, platform_of
from carbonledger.accounts.schemas import LinkCodeIn, LinkCodeOut, LinkOut
from carbonledger.ingest.schemas import ErrorOut

router = APIRouter(tags=["citizen"])


@router.get(
    "/api/v1/me/export",
    responses={
        **CITIZEN_ERRORS,
        200: {
            "description": "JSON: one document; CSV: a ZIP archive with one CSV file per section",
            "content": {"application/json": {}, "application/zip": {}},
        },
    },
    summary="Download my data: profile, links, records, point transfers, redemptions, donations",
)
async def export_me(
    citizen: CurrentCitizen,
    request: Request,
    format_: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Response:
    platform, now = platform_of(request), clock.now()
    zone = platform.settings.zone
    document = await transactions.read(
        request, lambda conn: export.export(conn, platform.keys, citizen, zone, now)
    )
    body, media_type, suffix = (
        (export.as_json(document), "application/json", "json")
        if format_ == "json"
        else (export.as_csv_zip(document), "application/zip", "csv.zip")
    )
    name = f"carbonledger-{now.astimezone(zone).date().isoformat()}.{suffix}"
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/api/v1/me/links",
    response_model=list[LinkOut],
    responses=CITIZEN_ERRORS,
    summary="The partner accounts I have linked",
)
async def my_links(citizen: CurrentCitizen, request: Request) -> list[LinkOut]:
    links = await transactions.read(request, lambda conn: accounts.citizen_links(conn, citizen))
    return [LinkOut(**link) for link in links]


@router.post(
    "/api/v1/me/link-codes",
    status_code=201,
    response_model=LinkCodeOut,
    responses={**CITIZEN_ERRORS, 404: {"model": ErrorOut, "description": "unknown_partner"}},
    summary="A one-time code that links my account at a partner (PARTNER_API.md §3)",
)
async def new_link_code(body: LinkCodeIn, citizen: CurrentCitizen, request: Request) -> LinkCodeOut:
    platform, now = platform_of(request), clock.now()
    keys, minutes = platform.keys, platform.settings.link_code_minutes
    offer = await transactions.write(
        request,
        lambda conn: accounts.offer_link_code(conn, keys, citizen, body.partner, now, minutes),
    )
    return LinkCodeOut(**offer)


@router.delete(
    "/api/v1/me/links/{partner}",
    status_code=204,
    responses={**CITIZEN_ERRORS, 404: {"model": ErrorOut, "description": "not_linked"}},
    summary="Unlink a partner: its later records for me stay pending until I link again",
)
async def unlink(partner: str, citizen: CurrentCitizen, request: Request) -> Response:
    await transactions.write(request, lambda conn: accounts.unlink_citizen(conn, partner, citizen))
    return Response(status_code=204)
