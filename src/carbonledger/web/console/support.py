"""What every page of the operator console (管理后台) shares, on the shared base: the logged-in
operator and their roles, the refusal page for a missing role, showing a page with the console's
navigation, and each area's forms: a change in one write transaction, then back to the page
with a notice, or the page again with the error in the page's language.

    AREA = Area("/console/partners", "partners", page)   # page(request, me, *, flash, ...)

    @router.get(AREA.path)
    async def partners(request): return await AREA.show(request)

    @router.post(AREA.path + "/{partner_id}/approve")
    async def approve(request, partner_id):
        return await AREA.change(request, "partner_approve", partner_id,
                                 lambda conn, me, form: change_partner(conn, partner_id, "approve"))
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from carbonledger import transactions
from carbonledger.accounts import auth, sessions
from carbonledger.accounts import repository as accounts_repo
from carbonledger.accounts.sessions import Session
from carbonledger.errors import CarbonLedgerError
from carbonledger.web.base import errors, rendering
from carbonledger.web.base.guard import checked_form, page_session
from carbonledger.web.base.rendering import language_of

AREAS = (
    ("partners", "/console/partners", "partners"),
    ("methodology", "/console/methodology", "methodology"),
    ("points", "/console/points", "points"),
    ("review", "/console/review", "reviewer"),
    ("rewards", "/console/rewards", "points"),
    ("reports", "/console/reports", "reports"),
    ("engagement", "/console/engagement", "points"),
    ("donations", "/console/donations", "points"),
    ("lotteries", "/console/lotteries", "points"),
    ("operators", "/console/operators", "admin"),
    ("market", "/console/market", "market"),
)
"""The console's areas: (name, address, the role that opens it)."""
AUDIENCE = "console"


@dataclass(frozen=True, slots=True)
class Operator:
    """The operator a page acts for."""

    session: Session
    id: str
    name: str
    roles: tuple[str, ...]

    def can(self, role: str) -> bool:
        return sessions.has_role(list(self.roles), role)

    @property
    def areas(self) -> list[tuple[str, str]]:
        return [(name, path) for name, path, role in AREAS if self.can(role)]


def _load(conn: Connection, session: Session) -> Operator:
    roles = auth.operator_roles(conn, session.subject)
    found = accounts_repo.operator(conn, session.subject)
    return Operator(session, session.subject, found.name if found else "", tuple(roles))


async def operator(request: Request) -> Operator:
    """The logged-in operator; a visitor without an operator session goes to the login form."""
    session = await page_session(request, "operator")
    return await transactions.read(request, lambda conn: _load(conn, session))


def show(
    request: Request,
    template: str,
    me: Operator | None,
    area: str,
    *,
    status: int = 200,
    flash: str | None = None,
    flash_kind: str = "error",
    **context: Any,
) -> HTMLResponse:
    """A console page; `area` marks the current item of the console's navigation."""
    return rendering.page(
        request,
        template,
        audience=AUDIENCE,
        session=me.session if me else None,
        status=status,
        flash=flash,
        flash_kind=flash_kind,
        me=me,
        area=area,
        **context,
    )


def refused(request: Request, me: Operator, role: str) -> HTMLResponse:
    """The page a logged-in operator sees for an area their roles do not open (403)."""
    return show(request, "console/refused.html", me, "", status=403, role=role)


def error_text(request: Request, error: CarbonLedgerError) -> str:
    """The error in the page's language, as the console words it."""
    return errors.error_text(language_of(request), error, AUDIENCE)


Page = Callable[..., Awaitable[Response]]
"""An area's page: `page(request, operator, *, flash=None, status=200, form=None)`."""


async def form_action(
    request: Request,
    role: str,
    act: Callable[[Operator, dict[str, str]], Awaitable[Response]],
    page: Page,
) -> Response:
    """Run a form's action for an operator holding `role`; a refusal (a domain error, an
    expired form) shows `page` again with the message, with the error's status."""
    me = await operator(request)
    if not me.can(role):
        return refused(request, me, role)
    form: dict[str, str] = {}
    try:
        form = await checked_form(request, me.session)
        return await act(me, form)
    except CarbonLedgerError as error:
        return await page(
            request, me, flash=error_text(request, error), status=error.status, form=form
        )


Change = Callable[[Connection, Operator, dict[str, str]], object]
"""A form's change, run in one write transaction with the operator and the posted fields."""


@dataclass(frozen=True, slots=True)
class Area:
    """One area of the console: its address, the role that opens it and its page."""

    path: str
    role: str
    page: Page

    async def show(self, request: Request) -> Response:
        """The area's page for an operator holding its role, else the refusal."""
        me = await operator(request)
        if not me.can(self.role):
            return refused(request, me, self.role)
        return await self.page(request, me)

    async def change(
        self,
        request: Request,
        notice: str,
        name: str,
        work: Change,
        *,
        prepare: Callable[[dict[str, str]], Any] | None = None,
    ) -> Response:
        """A form that changes one thing in one write transaction, then back to the page (a
        reload does not post again) with `notice` about `name`. `prepare` turns the checked
        form into what `work` gets, before the transaction (slow work such as hashing a
        password never runs inside one)."""

        async def act(me: Operator, form: dict[str, str]) -> Response:
            given = form if prepare is None else await run_in_threadpool(prepare, form)
            await transactions.write(request, lambda conn: work(conn, me, given))
            return rendering.after(self.path, notice, name=name)

        return await form_action(request, self.role, act, self.page)
