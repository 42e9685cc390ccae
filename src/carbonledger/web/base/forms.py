"""Running a page's form: the session's CSRF token checked, then the form's database work in
one write transaction (`carbonledger.transactions.write`, again when the database asks for a
retry), off the event loop. A domain error comes back to the caller, which shows the page again
with it (`rendering.refused`).

    session = await page_session(request, "citizen")
    try:
        await submit(request, session, lambda conn, form: service.act(conn, form["thing"]))
    except CarbonLedgerError as error:
        return refused(request, "citizen/page.html", error, audience="citizen", ...)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from sqlalchemy.engine import Connection

from carbonledger import transactions
from carbonledger.accounts.sessions import Session
from carbonledger.web.base.guard import checked_form

T = TypeVar("T")


async def submit(
    request: Request, session: Session, work: Callable[[Connection, dict[str, str]], T]
) -> T:
    """The posted form checked, then `work(conn, form)` in one write transaction."""
    form = await checked_form(request, session)
    return await transactions.write(request, lambda conn: work(conn, form))
