"""Console: operator accounts (运营账号, role `admin`) — every operator with their roles; adding
one with a first password and roles, and disabling one (their sessions end). And the partners'
portal access keys: issuing a new key for a partner's staff, shown this once. The same services
as `carbonledger operator add` / `disable` and `carbonledger portal-key`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from carbonledger import clock, transactions
from carbonledger.accounts import auth, portal, sessions
from carbonledger.accounts import service as accounts
from carbonledger.errors import Conflict
from carbonledger.web.base import i18n
from carbonledger.web.base.rendering import language_of
from carbonledger.web.console.support import Area, Operator, form_action, show

router = APIRouter(include_in_schema=False)
PATH = "/console/operators"
ROLE = "admin"


async def page(
    request: Request,
    me: Operator,
    *,
    flash: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
    flash_kind: str = "error",
) -> Response:
    def read(conn: Connection) -> dict[str, Any]:
        return {"operators": auth.operators(conn), "partners": accounts.partners(conn)}

    view = await transactions.read(request, read)
    return show(
        request,
        "console/operators.html",
        me,
        "operators",
        status=status,
        flash=flash,
        flash_kind=flash_kind,
        form=form or {},
        roles=sessions.ROLES,
        **view,
    )


AREA = Area(PATH, ROLE, page)


@router.get(PATH)
async def operators(request: Request) -> Response:
    return await AREA.show(request)


@router.post(PATH)
async def add_operator(request: Request) -> Response:
    roles = [str(role) for role in (await request.form()).getlist("roles")]

    def prepare(form: dict[str, str]) -> dict[str, str]:
        operator_id, name = form.get("operator", "").strip(), form.get("name", "")
        return auth.new_operator(operator_id, name, form.get("password", ""), roles)

    def work(conn: Connection, _me: Operator, new: dict[str, str]) -> None:
        auth.add_operator(conn, new, clock.now())

    return await AREA.change(request, "operator_added", "", work, prepare=prepare)


def _disable(conn: Connection, me: Operator, operator_id: str) -> None:
    if operator_id == me.id:
        raise Conflict("an operator cannot disable their own account", code="own_account")
    auth.disable_operator(conn, operator_id)


@router.post(PATH + "/{operator_id}/disable")
async def disable(request: Request, operator_id: str) -> Response:
    return await AREA.change(
        request,
        "operator_disabled",
        operator_id,
        lambda conn, me, _form: _disable(conn, me, operator_id),
    )


@router.post(PATH + "/portal-keys/{partner_id}")
async def issue_portal_key(request: Request, partner_id: str) -> Response:
    async def act(me: Operator, _form: dict[str, str]) -> Response:
        new = await run_in_threadpool(portal.new_portal_key)
        key = await transactions.write(
            request, lambda conn: portal.issue_portal_key(conn, partner_id, new, clock.now())
        )
        said = i18n.translate(
            language_of(request), "console.done.portal_key", partner=partner_id, secret=key
        )
        response = await page(request, me, flash=said, flash_kind="ok")
        response.headers["Cache-Control"] = "no-store"  # the key is shown this once
        return response

    return await form_action(request, ROLE, act, page)
