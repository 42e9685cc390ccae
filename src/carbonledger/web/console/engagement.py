"""Console: engagement (互动, role `points`) — the quiz bank (adding a question with its choices
and right answer, retiring one) and volunteer events (creating one with its budget; the
attendance code is shown this once, for the organiser). The same services as the
`/api/v1/admin/engagement` routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.engagement import events, quiz
from carbonledger.engagement.events import NewEvent
from carbonledger.errors import InvalidInput
from carbonledger.points.engagement import EVENT_KINDS
from carbonledger.web.base import i18n
from carbonledger.web.base.rendering import language_of
from carbonledger.web.console.points import _local, _whole
from carbonledger.web.console.support import Area, Operator, form_action, show

router = APIRouter(include_in_schema=False)
PATH = "/console/engagement"
ROLE = "points"
CHOICES = 4


async def page(
    request: Request,
    me: Operator,
    *,
    flash: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
    flash_kind: str = "error",
) -> Response:
    now = clock.now()

    def read(conn: Connection) -> dict[str, Any]:
        return {"questions": quiz.bank(conn), "events": events.upcoming(conn, now)}

    view = await transactions.read(request, read)
    return show(
        request,
        "console/engagement.html",
        me,
        "engagement",
        status=status,
        flash=flash,
        flash_kind=flash_kind,
        form=form or {},
        choices=range(CHOICES),
        kinds=EVENT_KINDS,
        **view,
    )


AREA = Area(PATH, ROLE, page)


@router.get(PATH)
async def engagement(request: Request) -> Response:
    return await AREA.show(request)


def _add_question(conn: Connection, _me: Operator, form: dict[str, str]) -> str:
    answer = form.get("answer", "")
    zh = [form.get(f"choice_zh_{n}", "").strip() for n in range(CHOICES)]
    en = [form.get(f"choice_en_{n}", "").strip() for n in range(CHOICES)]
    given = [n for n in range(CHOICES) if zh[n] or en[n]]
    if not answer.isdigit() or int(answer) not in given:
        raise InvalidInput(
            "right_answer: choose which of the choices is right", code="invalid_question"
        )
    return quiz.add_question(
        conn,
        prompt_zh=form.get("prompt_zh", ""),
        prompt_en=form.get("prompt_en", ""),
        choices_zh=[zh[n] for n in given],
        choices_en=[en[n] for n in given],
        answer=given.index(int(answer)),
        now=clock.now(),
    )


@router.post(PATH + "/questions")
async def add_question(request: Request) -> Response:
    return await AREA.change(request, "question_added", "", _add_question)


@router.post(PATH + "/questions/{question_id}/retire")
async def retire_question(request: Request, question_id: str) -> Response:
    return await AREA.change(
        request,
        "question_retired",
        "",
        lambda conn, _me, _form: quiz.retire_question(conn, question_id, clock.now()),
    )


def _new_event(form: dict[str, str], zone: Any) -> NewEvent:
    problems: list[str] = []
    starts = _local(form.get("starts_at", ""), "starts_at", zone, problems)
    ends = _local(form.get("ends_at", ""), "ends_at", zone, problems)
    capacity = _whole(form.get("capacity", ""), "capacity", problems)
    per_hour = _whole(form.get("points_per_hour", ""), "points_per_hour", problems)
    budget = _whole(form.get("budget", ""), "budget", problems)
    if (
        problems
        or starts is None
        or ends is None
        or capacity is None
        or per_hour is None
        or budget is None
    ):
        raise InvalidInput("; ".join(problems), code="invalid_event")
    return NewEvent(
        form.get("kind", ""),
        form.get("name_zh", ""),
        form.get("name_en", ""),
        form.get("place", ""),
        starts,
        ends,
        capacity,
        per_hour,
        budget,
    )


@router.post(PATH + "/events")
async def create_event(request: Request) -> Response:
    platform = platform_of(request)
    keys, zone = platform.keys, platform.settings.zone

    async def act(me: Operator, form: dict[str, str]) -> Response:
        created = _new_event(form, zone)
        _, code = await transactions.write(
            request, lambda conn: events.create_event(conn, keys, created, me.id, clock.now())
        )
        said = i18n.translate(language_of(request), "console.done.event_created", code=code)
        response = await page(request, me, flash=said, flash_kind="ok")
        response.headers["Cache-Control"] = "no-store"  # the code is shown this once
        return response

    return await form_action(request, ROLE, act, page)
