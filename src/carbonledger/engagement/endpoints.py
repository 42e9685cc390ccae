"""Citizen routes of engagement (`/api/v1/me/checkin`, `/me/quiz`, `/me/events`) and the public
list of upcoming volunteer events. The operator's routes are in `admin_endpoints`."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request, Response

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import CITIZEN_ERRORS, CurrentCitizen, platform_of
from carbonledger.engagement import events, quiz, service
from carbonledger.engagement.schemas import (
    AnswerIn,
    AnswerOut,
    AttendanceIn,
    AttendanceOut,
    CheckInOut,
    CheckInStatusOut,
    EventOut,
    MyEventOut,
    Paid,
    QuizAnswered,
    QuizOut,
    QuizQuestionOut,
)
from carbonledger.errors import RateLimited
from carbonledger.ingest.ratelimit import RateLimiter
from carbonledger.ingest.schemas import ErrorOut

router = APIRouter()
_UNKNOWN_EVENT: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "unknown_event or not_signed_up"}
}


@router.post(
    "/api/v1/me/checkin",
    status_code=201,
    response_model=CheckInOut,
    responses={**CITIZEN_ERRORS, 409: {"model": ErrorOut, "description": "already_checked_in"}},
    tags=["citizen"],
    summary="Check in for today (签到): points by streak, from the check-in budget",
)
async def check_in(citizen: CurrentCitizen, request: Request) -> CheckInOut:
    zone, now = platform_of(request).settings.zone, clock.now()
    done = await transactions.write(
        request, lambda conn: service.check_in(conn, citizen, zone, now)
    )
    return CheckInOut(day=done.day, streak=done.streak, **Paid.of(done.payment).model_dump())


@router.get(
    "/api/v1/me/checkin",
    response_model=CheckInStatusOut,
    responses=CITIZEN_ERRORS,
    tags=["citizen"],
    summary="My check-in streak and whether today's check-in is done",
)
async def check_in_status(citizen: CurrentCitizen, request: Request) -> CheckInStatusOut:
    zone, now = platform_of(request).settings.zone, clock.now()
    status = await transactions.read(
        request, lambda conn: service.check_in_status(conn, citizen, zone, now)
    )
    return CheckInStatusOut(
        day=status.day,
        streak=status.streak,
        done_today=status.done_today,
        points_today=status.points_today,
    )


@router.get(
    "/api/v1/me/quiz",
    response_model=QuizOut,
    responses=CITIZEN_ERRORS,
    tags=["citizen"],
    summary="Today's quiz questions (答题), without their answers",
)
async def todays_quiz(citizen: CurrentCitizen, request: Request) -> QuizOut:
    zone, now = platform_of(request).settings.zone, clock.now()
    today = await transactions.read(
        request, lambda conn: quiz.todays_quiz(conn, citizen, zone, now)
    )
    return QuizOut(
        day=today.day,
        daily_limit=today.daily_limit,
        points_per_correct=today.points_per_correct,
        answered=today.answered,
        questions=[
            QuizQuestionOut(
                question=d.question.id,
                prompt_zh=d.question.prompt_zh,
                prompt_en=d.question.prompt_en,
                choices_zh=d.question.choices_zh,
                choices_en=d.question.choices_en,
                answered=QuizAnswered(correct=d.answer.correct, points_paid=d.answer.points_paid)
                if d.answer
                else None,
            )
            for d in today.dealt
        ],
    )


@router.post(
    "/api/v1/me/quiz/{question}",
    response_model=AnswerOut,
    responses={
        **CITIZEN_ERRORS,
        400: {"model": ErrorOut, "description": "invalid_choice"},
        404: {"model": ErrorOut, "description": "unknown_question: not one of today's"},
        409: {"model": ErrorOut, "description": "already_answered or daily_limit_reached"},
    },
    tags=["citizen"],
    summary="Answer one of today's questions; a right answer earns points",
)
async def answer(
    question: str, body: AnswerIn, citizen: CurrentCitizen, request: Request
) -> AnswerOut:
    zone, now = platform_of(request).settings.zone, clock.now()
    done = await transactions.write(
        request, lambda conn: quiz.answer(conn, citizen, question, body.choice, zone, now)
    )
    return AnswerOut(question=question, correct=done.correct, **Paid.of(done.payment).model_dump())


@router.get(
    "/api/v1/events",
    response_model=list[EventOut],
    tags=["public"],
    summary="Upcoming environmental volunteer events (环保志愿活动) with places left",
)
async def upcoming_events(request: Request) -> list[EventOut]:
    now = clock.now()
    rows = await transactions.read(request, lambda conn: events.upcoming(conn, now))
    return [EventOut.of(row, row.taken) for row in rows]


@router.get(
    "/api/v1/me/events",
    response_model=list[MyEventOut],
    responses=CITIZEN_ERRORS,
    tags=["citizen"],
    summary="The events I signed up for, and what attending earned",
)
async def my_events(citizen: CurrentCitizen, request: Request) -> list[MyEventOut]:
    rows = await transactions.read(request, lambda conn: events.signups_of(conn, citizen))
    return [MyEventOut.of(row) for row in rows]


@router.put(
    "/api/v1/me/events/{event}",
    status_code=201,
    responses={
        **CITIZEN_ERRORS,
        200: {"description": "signed up already; nothing changed"},
        404: {"model": ErrorOut, "description": "unknown_event"},
        409: {"model": ErrorOut, "description": "event_full or sign_up_closed"},
    },
    tags=["citizen"],
    summary="Sign up for a volunteer event",
)
async def sign_up(event: str, citizen: CurrentCitizen, request: Request) -> Response:
    now = clock.now()
    created = await transactions.write(
        request, lambda conn: events.sign_up(conn, event, citizen, now)
    )
    return Response(status_code=201 if created else 200)


@router.delete(
    "/api/v1/me/events/{event}",
    status_code=204,
    responses={
        **CITIZEN_ERRORS,
        **_UNKNOWN_EVENT,
        409: {"model": ErrorOut, "description": "event_started or already_attended"},
    },
    tags=["citizen"],
    summary="Withdraw from a volunteer event before it begins",
)
async def withdraw(event: str, citizen: CurrentCitizen, request: Request) -> Response:
    now = clock.now()
    await transactions.write(request, lambda conn: events.withdraw(conn, event, citizen, now))
    return Response(status_code=204)


CODE_TRIES_PER_MINUTE = 30


def limit_code_tries(request: Request, citizen: str) -> None:
    """An attendance code is short enough to guess: a citizen may try 30 a minute (5 at once),
    then waits (429 with Retry-After)."""
    limiter: RateLimiter = request.app.state.code_tries
    wait = limiter.take(f"attend:{citizen}", CODE_TRIES_PER_MINUTE, time.monotonic())
    if wait:
        raise RateLimited(f"too many attendance codes tried; try again in {wait} s", wait)


@router.post(
    "/api/v1/me/events/{event}/attendance",
    response_model=AttendanceOut,
    responses={
        **CITIZEN_ERRORS,
        **_UNKNOWN_EVENT,
        403: {"model": ErrorOut, "description": "wrong_attendance_code or csrf_failed"},
        409: {"model": ErrorOut, "description": "attendance_closed or already_attended"},
        429: {"model": ErrorOut, "description": "rate_limited; see Retry-After"},
    },
    tags=["citizen"],
    summary="Enter the organiser's attendance code; points for the event's hours",
)
async def attend(
    event: str, body: AttendanceIn, citizen: CurrentCitizen, request: Request
) -> AttendanceOut:
    limit_code_tries(request, citizen)
    keys, now = platform_of(request).keys, clock.now()
    paid = await transactions.write(
        request, lambda conn: events.attend(conn, keys, event, citizen, body.code, now)
    )
    return AttendanceOut(event=event, **Paid.of(paid).model_dump())
