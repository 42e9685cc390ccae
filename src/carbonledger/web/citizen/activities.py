"""Citizen app: activities (活动) — the campaigns running now, checking in for the day (签到),
today's quiz (答题), and environmental volunteer events (环保志愿活动: sign up, withdraw, enter
the organiser's attendance code). The same services answer `/api/v1/campaigns`,
`/api/v1/me/checkin`, `/api/v1/me/quiz` and `/api/v1/me/events`. What an activity earns is paid
from its budget; when the budget runs short the page says how much was paid of what was due."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Connection

from carbonledger import bounds, clock
from carbonledger.engagement import events, quiz
from carbonledger.engagement import service as engagement
from carbonledger.engagement.endpoints import limit_code_tries
from carbonledger.engagement.rules import Payment
from carbonledger.errors import InvalidInput, NotFound, RateLimited
from carbonledger.platform import Platform
from carbonledger.web.base import i18n
from carbonledger.web.base.guard import page_session
from carbonledger.web.base.rendering import language_of
from carbonledger.web.citizen import campaigns
from carbonledger.web.citizen.page import Action, Page, after

router = APIRouter(include_in_schema=False)
PATH = "/app/activities"


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


ACTIVITIES = Page("citizen/activities.html", "activities", _context)


@router.get(PATH)
async def activities(request: Request) -> HTMLResponse:
    return await ACTIVITIES.show(request, await page_session(request, "citizen"))


def _check_in(conn: Connection, platform: Platform, citizen: str, _: dict[str, str]) -> Payment:
    return engagement.check_in(conn, citizen, platform.settings.zone, clock.now()).payment


def _answer(conn: Connection, platform: Platform, citizen: str, form: dict[str, str]) -> Payment:
    choice = bounds.whole_number(form.get("choice", ""))
    if choice is None:
        raise InvalidInput("choose one of the answers", code="invalid_choice")
    zone = platform.settings.zone
    return quiz.answer(conn, citizen, form.get("question", ""), choice, zone, clock.now()).payment


def _sign_up(conn: Connection, _: Platform, citizen: str, form: dict[str, str]) -> None:
    events.sign_up(conn, form.get("event", ""), citizen, clock.now())


def _withdraw(conn: Connection, _: Platform, citizen: str, form: dict[str, str]) -> None:
    events.withdraw(conn, form.get("event", ""), citizen, clock.now())


def _attend(conn: Connection, platform: Platform, citizen: str, form: dict[str, str]) -> Payment:
    event, code = form.get("event", ""), form.get("code", "")
    return events.attend(conn, platform.keys, event, citizen, code, clock.now())


FORMS: dict[str, tuple[str, Action[Payment | None]]] = {
    "checkin": ("checked_in", _check_in),
    "quiz": ("answered", _answer),
    "sign-up": ("signed_up", _sign_up),
    "withdraw": ("withdrawn", _withdraw),
    "attend": ("attended", _attend),
}
"""The page's forms, posted to /app/activities/<name>: the notice after it and its service."""


@router.post(PATH + "/{name}")
async def act(name: str, request: Request) -> Response:
    """Run one activity's form; a payment the budget could not cover in full is told on the
    page, anything else goes back to the page with the form's notice."""
    if name not in FORMS:
        raise NotFound(f"no activity form is called {name!r}", code="not_found")
    notice, action = FORMS[name]
    if name == "attend":
        session = await page_session(request, "citizen")
        try:
            limit_code_tries(request, session.subject)
        except RateLimited as error:
            page = await ACTIVITIES.refused(request, session, error)
            page.headers["Retry-After"] = str(error.retry_after)
            return page
    done = await ACTIVITIES.act(request, action)
    if isinstance(done, HTMLResponse):
        return done
    session, payment = done
    if payment is None or not payment.short:
        return after(PATH, notice)
    short = i18n.translate(
        language_of(request), "citizen.activities.short", paid=payment.paid, due=payment.due
    )
    return await ACTIVITIES.show(request, session, flash=short, flash_kind="ok")
