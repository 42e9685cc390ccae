"""Operator routes of engagement (role `points`): the check-in and quiz settings, funding the
budgets, the quiz bank and volunteer events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import OPERATOR_ERRORS, operator_with, platform_of
from carbonledger.engagement import events, quiz, service
from carbonledger.engagement.rules import event_budget
from carbonledger.engagement.schemas import (
    BudgetOut,
    EventCreatedOut,
    EventIn,
    EventOut,
    FundIn,
    FundOut,
    QuestionIn,
    QuestionOut,
    RulesIn,
    RulesOut,
)
from carbonledger.ingest.schemas import ErrorOut
from carbonledger.points.campaigns import campaign_account
from carbonledger.points.ledger import balance

router = APIRouter(tags=["operator"])
PointsOperator = Annotated[str, Depends(operator_with("points"))]


@router.get(
    "/api/v1/admin/engagement/rules",
    response_model=RulesOut,
    responses=OPERATOR_ERRORS,
    summary="What check-ins and quiz answers earn",
)
async def get_rules(_operator: PointsOperator, request: Request) -> RulesOut:
    return RulesOut(**(await transactions.read(request, service.rules)).as_dict())


@router.patch(
    "/api/v1/admin/engagement/rules",
    response_model=RulesOut,
    responses={**OPERATOR_ERRORS, 400: {"model": ErrorOut, "description": "invalid_rules"}},
    summary="Change some of the check-in and quiz settings",
)
async def set_rules(body: RulesIn, operator: PointsOperator, request: Request) -> RulesOut:
    changes: dict[str, object] = body.model_dump(exclude_unset=True)
    now = clock.now()
    new = await transactions.write(
        request, lambda conn: service.set_rules(conn, changes, operator, now)
    )
    return RulesOut(**new.as_dict())


@router.get(
    "/api/v1/admin/engagement/budgets",
    response_model=list[BudgetOut],
    responses=OPERATOR_ERRORS,
    summary="The budgets that may still pay: check-in, quiz and recent events",
)
async def get_budgets(_operator: PointsOperator, request: Request) -> list[BudgetOut]:
    now = clock.now()
    held = await transactions.read(request, lambda conn: service.budget_balances(conn, now))
    return [BudgetOut(budget=name, balance=points) for name, points in held.items()]


@router.post(
    "/api/v1/admin/engagement/budgets/{budget}",
    response_model=FundOut,
    responses={
        **OPERATOR_ERRORS,
        400: {"model": ErrorOut, "description": "invalid_funding"},
        404: {"model": ErrorOut, "description": "unknown_budget"},
        409: {"model": ErrorOut, "description": "idempotency_key_reused"},
    },
    summary="Fund or top up a budget (checkin, quiz, event-<id>) from issuance",
)
async def fund(budget: str, body: FundIn, _operator: PointsOperator, request: Request) -> FundOut:
    now = clock.now()

    def work(conn: Any) -> FundOut:
        funded = service.fund_budget(conn, budget, body.points, body.key, now)
        held = balance(conn, campaign_account(budget))
        return FundOut(budget=budget, balance=held, funded=funded)

    return await transactions.write(request, work)


def _question_out(row: Any) -> QuestionOut:
    return QuestionOut(
        question=row.id,
        prompt_zh=row.prompt_zh,
        prompt_en=row.prompt_en,
        choices_zh=row.choices_zh,
        choices_en=row.choices_en,
        answer=row.answer,
        status=row.status,
        created_at=row.created_at,
        retired_at=row.retired_at,
    )


@router.get(
    "/api/v1/admin/quiz/questions",
    response_model=list[QuestionOut],
    responses=OPERATOR_ERRORS,
    summary="The question bank, retired questions too, with answers",
)
async def get_questions(_operator: PointsOperator, request: Request) -> list[QuestionOut]:
    return [_question_out(row) for row in await transactions.read(request, quiz.bank)]


@router.post(
    "/api/v1/admin/quiz/questions",
    status_code=201,
    response_model=QuestionOut,
    responses={**OPERATOR_ERRORS, 400: {"model": ErrorOut, "description": "invalid_question"}},
    summary="Add a bilingual question to the bank",
)
async def add_question(
    body: QuestionIn, _operator: PointsOperator, request: Request
) -> QuestionOut:
    now = clock.now()

    def work(conn: Any) -> Any:
        return quiz.question(conn, quiz.add_question(conn, **body.model_dump(), now=now))

    return _question_out(await transactions.write(request, work))


@router.delete(
    "/api/v1/admin/quiz/questions/{question}",
    status_code=204,
    responses={**OPERATOR_ERRORS, 404: {"model": ErrorOut, "description": "unknown_question"}},
    summary="Retire a question: it is dealt no more; answers given to it stay",
)
async def retire_question(question: str, _operator: PointsOperator, request: Request) -> Response:
    now = clock.now()
    await transactions.write(request, lambda conn: quiz.retire_question(conn, question, now))
    return Response(status_code=204)


@router.post(
    "/api/v1/admin/events",
    status_code=201,
    response_model=EventCreatedOut,
    responses={**OPERATOR_ERRORS, 400: {"model": ErrorOut, "description": "invalid_event"}},
    summary="Create a volunteer event and fund its budget; its attendance code is shown once",
)
async def create_event(
    body: EventIn, operator: PointsOperator, request: Request
) -> EventCreatedOut:
    keys, now = platform_of(request).keys, clock.now()
    new = events.NewEvent(**body.model_dump())

    def work(conn: Any) -> EventCreatedOut:
        event_id, code = events.create_event(conn, keys, new, operator, now)
        budget = event_budget(event_id)
        return EventCreatedOut(
            **EventOut.of(events.get(conn, event_id), taken=0).model_dump(),
            attendance_code=code,
            budget=budget,
            balance=balance(conn, campaign_account(budget)),
        )

    return await transactions.write(request, work)
