"""Operators' management of partners (`/api/v1/admin/partners`, role `partners`): register a
partner (it starts pending), approve, suspend and resume."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts import service as accounts
from carbonledger.accounts.dependencies import OPERATOR_ERRORS, operator_with
from carbonledger.accounts.schemas import PartnerIn, PartnerOut
from carbonledger.ingest.schemas import ErrorOut

router = APIRouter(tags=["operator"])
PartnersRole = Annotated[str, Depends(operator_with("partners"))]


@router.get(
    "/api/v1/admin/partners",
    response_model=list[PartnerOut],
    responses=OPERATOR_ERRORS,
    summary="Every partner with its role and status, newest first",
)
async def list_partners(_operator: PartnersRole, request: Request) -> list[PartnerOut]:
    rows = await transactions.read(request, accounts.partners)
    return [PartnerOut(**row) for row in rows]


@router.post(
    "/api/v1/admin/partners",
    status_code=201,
    response_model=PartnerOut,
    responses={
        **OPERATOR_ERRORS,
        400: {"model": ErrorOut, "description": "invalid_partner"},
        409: {"model": ErrorOut, "description": "partner_exists"},
    },
    summary="Register a partner with its signing key; it is pending until approved",
)
async def add_partner(body: PartnerIn, _operator: PartnersRole, request: Request) -> PartnerOut:
    def work(conn: Connection) -> dict[str, Any]:
        accounts.add_partner(
            conn, body.partner, body.name, body.public_key, body.role, clock.now(), pending=True
        )
        return accounts.partner_view(conn, body.partner)

    return PartnerOut(**await transactions.write(request, work))


@router.post(
    "/api/v1/admin/partners/{partner_id}/{action}",
    response_model=PartnerOut,
    responses={
        **OPERATOR_ERRORS,
        404: {"model": ErrorOut, "description": "unknown_partner"},
        409: {"model": ErrorOut, "description": "partner_status (not in a state to do this)"},
    },
    summary="Approve a pending partner, suspend a partner, or resume a suspended one",
)
async def change_partner(
    partner_id: str,
    action: Literal["approve", "suspend", "resume"],
    _operator: PartnersRole,
    request: Request,
) -> PartnerOut:
    def work(conn: Connection) -> dict[str, Any]:
        accounts.change_partner(conn, partner_id, action)
        return accounts.partner_view(conn, partner_id)

    return PartnerOut(**await transactions.write(request, work))
