"""Console: lotteries (抽奖, role `points`) — every lottery with its state and prizes; creating one
(its window, entries earned by a scenario or sold for points, and its prizes from merchants),
closing its entries once the window has passed, and drawing it. The same services as the
`/api/v1/admin/lotteries` routes; the background duties close and draw on their own too."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import InvalidInput
from carbonledger.lotteries import service
from carbonledger.lotteries.tables import lotteries
from carbonledger.lotteries.terms import LotteryTerms, PrizeTerms
from carbonledger.web.console.points import _local, _whole
from carbonledger.web.console.support import Area, Operator, show

router = APIRouter(include_in_schema=False)
PATH = "/console/lotteries"
PRIZE_LINES = 3


async def page(
    request: Request,
    me: Operator,
    *,
    flash: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    def read(conn: Connection) -> list[dict[str, Any]]:
        rows = conn.execute(select(lotteries).order_by(lotteries.c.created_at.desc())).all()
        return [{"row": row, "prizes": service.core_prizes(conn, row.id)} for row in rows]

    listed = await transactions.read(request, read)
    return show(
        request,
        "console/lotteries.html",
        me,
        "lotteries",
        status=status,
        flash=flash,
        form=form or {},
        lotteries=listed,
        prize_lines=range(PRIZE_LINES),
        scenarios=platform_of(request).catalogue.scenarios,
        now=clock.now(),
    )


AREA = Area(PATH, "points", page)


@router.get(PATH)
async def lotteries_page(request: Request) -> Response:
    return await AREA.show(request)


def _terms(form: dict[str, str], zone: Any) -> LotteryTerms:
    problems: list[str] = []
    opens = _local(form.get("opens_at", ""), "opens_at", zone, problems)
    closes = _local(form.get("closes_at", ""), "closes_at", zone, problems)
    daily = _whole(form.get("daily_entries", "") or "1", "daily_entries", problems)
    price = _whole(form.get("entry_price", ""), "entry_price", problems, blank=True)
    prizes = []
    for n in range(PRIZE_LINES):
        name = form.get(f"prize_name_{n}", "").strip()
        if not name:
            continue
        count = _whole(form.get(f"prize_count_{n}", ""), "prize_count", problems)
        prizes.append(PrizeTerms(form.get(f"prize_merchant_{n}", "").strip(), name, count or 0))
    if problems or opens is None or closes is None or daily is None:
        raise InvalidInput("; ".join(problems), code="invalid_lottery")
    return LotteryTerms(
        name_zh=form.get("name_zh", ""),
        name_en=form.get("name_en", ""),
        scenario=form.get("scenario") or None,
        daily_entries=daily,
        entry_price=price,
        opens_at=opens,
        closes_at=closes,
        one_per_account=form.get("one_per_account") == "yes",
        prizes=tuple(prizes),
    )


@router.post(PATH)
async def create(request: Request) -> Response:
    platform = platform_of(request)

    def work(conn: Connection, me: Operator, form: dict[str, str]) -> str:
        terms = _terms(form, platform.settings.zone)
        return service.create(conn, platform, terms, me.id, clock.now())

    return await AREA.change(request, "lottery_created", "", work)


@router.post(PATH + "/{lottery_id}/close")
async def close(request: Request, lottery_id: str) -> Response:
    return await AREA.change(
        request,
        "lottery_closed",
        "",
        lambda conn, _me, _form: service.close(conn, lottery_id, clock.now()),
    )


@router.post(PATH + "/{lottery_id}/draw")
async def draw(request: Request, lottery_id: str) -> Response:
    platform = platform_of(request)
    return await AREA.change(
        request,
        "lottery_drawn",
        "",
        lambda conn, _me, _form: service.draw(conn, platform, lottery_id, clock.now()),
    )
