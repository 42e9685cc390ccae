"""Console: partners (合作方管理, role `partners`) — every partner with its role and status; a new
partner registered here starts pending until approved; approve, suspend, resume."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts import service as accounts
from carbonledger.web.console_support import Operator, area_page, done, form_action, show

router = APIRouter(include_in_schema=False)
PATH = "/console/partners"


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


@router.get(PATH)
async def partners(request: Request) -> Response:
    return await area_page(request, "partners", page)


@router.post(PATH)
async def register(request: Request) -> Response:
    async def act(me: Operator, form: dict[str, str]) -> Response:
        partner_id = form.get("partner", "").strip()

        def work(conn: Connection) -> None:
            accounts.add_partner(
                conn,
                partner_id,
                form.get("name", ""),
                form.get("public_key", "").strip(),
                form.get("role", ""),
                clock.now(),
                pending=True,
            )

        await transactions.write(request, work)
        return done(PATH, "partner_registered", partner_id)

    return await form_action(request, "partners", act, page)


@router.post(PATH + "/{partner_id}/{action}")
async def change(request: Request, partner_id: str, action: str) -> Response:
    async def act(_me: Operator, _form: dict[str, str]) -> Response:
        def work(conn: Connection) -> Any:
            return accounts.change_partner(conn, partner_id, action)

        await transactions.write(request, work)
        return done(PATH, f"partner_{action}", partner_id)

    return await form_action(request, "partners", act, page)
