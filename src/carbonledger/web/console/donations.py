"""Console: public-welfare projects (公益项目, role `points`) — every project with what it
raised; opening a new one (its unit, points per unit and goal) and closing or reopening one.
The same services as the `/api/v1/admin/projects` routes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.engine import Connection

from carbonledger import clock, transactions
from carbonledger.donations import service
from carbonledger.donations.rules import PROJECT_KINDS, ProjectTerms
from carbonledger.errors import InvalidInput
from carbonledger.web.console.points import _whole
from carbonledger.web.console.support import Area, Operator, show

router = APIRouter(include_in_schema=False)
PATH = "/console/donations"


async def page(
    request: Request,
    me: Operator,
    *,
    flash: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    projects = await transactions.read(request, service.projects)
    return show(
        request,
        "console/donations.html",
        me,
        "donations",
        status=status,
        flash=flash,
        form=form or {},
        projects=projects,
        kinds=PROJECT_KINDS,
    )


AREA = Area(PATH, "points", page)


@router.get(PATH)
async def donations(request: Request) -> Response:
    return await AREA.show(request)


def _create(conn: Connection, me: Operator, form: dict[str, str]) -> str:
    problems: list[str] = []
    per_unit = _whole(form.get("points_per_unit", ""), "points_per_unit", problems)
    goal = _whole(form.get("goal_units", ""), "goal_units", problems)
    if problems or per_unit is None or goal is None:
        raise InvalidInput("; ".join(problems), code="invalid_project")
    terms = ProjectTerms(
        form.get("kind", ""),
        form.get("name_zh", ""),
        form.get("name_en", ""),
        form.get("unit_zh", ""),
        form.get("unit_en", ""),
        per_unit,
        per_unit * goal,
    )
    return service.create_project(conn, terms, me.id, clock.now())


@router.post(PATH)
async def create(request: Request) -> Response:
    return await AREA.change(request, "project_created", "", _create)


@router.post(PATH + "/{project_id}/{status}")
async def set_status(request: Request, project_id: str, status: str) -> Response:
    return await AREA.change(
        request,
        f"project_{status}" if status in ("open", "closed") else "project_closed",
        "",
        lambda conn, _me, _form: service.set_status(conn, project_id, status),
    )
