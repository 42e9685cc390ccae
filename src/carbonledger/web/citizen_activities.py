"""Citizen app: activities (活动) — the campaigns running now, checking in for the day (签到),
today's quiz (答题), and environmental volunteer events (环保志愿活动: sign up, withdraw, enter
the organiser's attendance code). The same services answer `/api/v1/campaigns`,
`/api/v1/me/checkin`, `/api/v1/me/quiz` and `/api/v1/me/events`. What an activity earns is paid
from its budget; when the budget runs short the page says how much was paid of what was due."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection

from carbonledger import clock
from carbonledger.accounts.sessions import Session
from carbonledger.engagement import events, quiz
from carbonledger.engagement import service as engagement
from carbonledger.engagement.rules import Payment
from carbonledger.errors import CarbonLedgerError, InvalidInput
from carbonledger.platform import Platform
from carbonledger.web import citizen_campaigns as campaigns
from carbonledger.web import i18n
from carbonledger.web.citizen_support import after, reading, refused, show, writing
from carbonledger.web.guard import checked_form, page_session
from carbonledger.web.rendering import language_of

router = APIRouter(include_in_schema=False)
PATH = "/app/activities"
_PAGE = "citizen/activities.html"
_SECTION = "activities"


def _context(conn: Connection, platform: Platform, citizen: str, language: str) -> dict[str, Any]:
    now, zone = clock.now(), platform.settings.zone
    mine = events.signups_of(conn, citizen)
    signed_up = {row.event_id for row in mine}
    return {
        "checkin": engagement.check_in_status(conn, citizen, zone, now),
        "quiz": quiz.todays_quiz(conn, citizen, zone, now),
        "events": [row for row in events.upcoming(conn, now) if row.id not in signed_up],
        "my_events": mine,
        "campaigns": campaigns.running(conn, platform, language),
        "now": now,
    }


async def _page(request: Request, session: Session) -> dict[str, Any]:
    language = language_of(request)
    return await reading(
        request, lambda conn, platform: _context(conn, platform, session.subject, language)
    )


@router.get(PATH)
async def activities(request: Request) -> HTMLResponse:
    session = await page_session(request, "citizen")
    return show(request, _PAGE, session, _SECTION, **await _page(request, session))


Action = Callable[[Connection, Platform, str, dict[str, str]], Payment | None]


async def _act(request: Request, notice: str, action: Action) -> Response:
    """Run one activity's form; a payment the budget could not cover in full is told on the
    page, anything else goes back to the page with `notice`."""
    session = await page_session(request, "citizen")
    try:
        form = await checked_form(request, session)
        payment = await writing(
            request, lambda conn, platform: action(conn, platform, session.subject, form)
        )
    except CarbonLedgerError as error:
        context = await _page(request, session)
        return refused(request, _PAGE, session, _SECTION, error, **context)
    if payment is None or not payment.short:
        return after(PATH, notice)
    short = i18n.translate(
        language_of(request), "citizen.activities.short", paid=payment.paid, due=payment.due
    )
    context = await _page(request, session)
    return show(request, _PAGE, session, _SECTION, flash=short, flash_kind="ok", **context)


def _check_in(conn: Connection, platform: Platform, citizen: str, _: dict[str, str]) -> Payment:
    return engagement.check_in(conn, citizen, platform.settings.zone, clock.now()).payment


def _answer(conn: Connection, platform: Platform, citizen: str, form: dict[str, str]) -> Payment:
    choice = form.get("choice", "")
    if not choice.isdigit():
        raise InvalidInput("choose one of the answers", code="invalid_choice")
    zone = platform.settings.zone
    return quiz.answer(
        conn, citizen, form.get("question", ""), int(choice), zone, clock.now()
    ).payment


def _sign_up(conn: Connection, _: Platform, citizen: str, form: dict[str, str]) -> None:
    events.sign_up(conn, form.get("event", ""), citizen, clock.now())


def _withdraw(conn: Connection, _: Platform, citizen: str, form: dict[str, str]) -> None:
    events.withdraw(conn, form.get("event", ""), citizen, clock.now())


def _attend(conn: Connection, _: Platform, citizen: str, form: dict[str, str]) -> Payment:
    return events.attend(conn, form.get("event", ""), citizen, form.get("code", ""), clock.now())


@router.post(f"{PATH}/checkin")
async def check_in(request: Request) -> Response:
    return await _act(request, "checked_in", _check_in)


@router.post(f"{PATH}/quiz")
async def answer(request: Request) -> Response:
    return await _act(request, "answered", _answer)


@router.post(f"{PATH}/events/sign-up")
async def sign_up(request: Request) -> Response:
    return await _act(request, "signed_up", _sign_up)


@router.post(f"{PATH}/events/withdraw")
async def withdraw(request: Request) -> Response:
    return await _act(request, "withdrawn", _withdraw)


@router.post(f"{PATH}/events/attend")
async def attend(request: Request) -> Response:
    return await _act(request, "attended", _attend)
