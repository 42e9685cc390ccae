"""Console: partners (合作方管理, role `partners`) — every partner with its role and status; a new
partner registered here starts pending until approved; approve, suspend, resume."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from carbonledger import clock, transactions
from carbonledger.accounts import service as accounts
from carbonledger.web.console.support import Area, Operator, show

router = APIRouter(include_in_schema=False)


async def page(
    request: Request,
    me: Operator,
    *,
    flash: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    rows = await transactions.read(request, accounts.partners)
    return show(
        request,
        "console/partners.html",
        me,
        "partners",
        status=status,
        flash=flash,
        partners=rows,
        roles=accounts.PARTNER_ROLES,
        form=form or {},
    )


AREA = Area("/console/partners", "partners", page)


@router.get(AREA.path)
async def partners(request: Request) -> Response:
    return await AREA.show(request)


@router.post(AREA.path)
async def register(request: Request) -> Response:
    form = await request.form()
    partner_id = str(form.get("partner", "")).strip()
    return await AREA.change(
        request,
        "partner_registered",
        partner_id,
        lambda conn, _me, fields: accounts.add_partner(
            conn,
            partner_id,
            fields.get("name", ""),
            fields.get("public_key", "").strip(),
            fields.get("role", ""),
            clock.now(),
            pending=True,
        ),
    )


@router.post(AREA.path + "/{partner_id}/{action}")
async def change(request: Request, partner_id: str, action: str) -> Response:
    return await AREA.change(
        request,
        f"partner_{action}",
        partner_id,
        lambda conn, _me, _fields: accounts.change_partner(conn, partner_id, action),
    )
