"""Citizen app: registering (实名注册: real name, ID number, phone and password) and logging in
(logging out is on the account page). The forms call the same services as `/api/v1/citizens` and
`/api/v1/session/citizen`; a failed login is counted (and throttled) in its own committed
transaction before it is refused, and the password is checked outside any transaction."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from carbonledger.accounts.dependencies import current_session, platform_of
from carbonledger.accounts.endpoints import logged_in, registered, set_session_cookie
from carbonledger.errors import CarbonLedgerError, Unauthorized
from carbonledger.web.base import names
from carbonledger.web.base.guard import safe_next, same_site_form
from carbonledger.web.base.rendering import language_of
from carbonledger.web.citizen.page import refused, show

router = APIRouter(include_in_schema=False)
HOME = "/app"
_REGISTER = "citizen/register.html"
_LOGIN = "citizen/login.html"


async def _logged_in(request: Request) -> bool:
    found = await current_session(request)
    return found is not None and found.kind == "citizen"


def _districts(request: Request) -> dict[str, str]:
    """The city's districts to choose from, named in the page's language (none: the city)."""
    return names.districts(platform_of(request).settings.region, language_of(request))


def _entered(form: dict[str, str]) -> dict[str, str]:
    """What the form shows again after a refusal: everything but the password."""
    return {key: value for key, value in form.items() if key != "password"}


@router.get("/app/register")
async def register_form(request: Request) -> Response:
    if await _logged_in(request):
        return RedirectResponse(HOME, status_code=303)
    return show(request, _REGISTER, None, "register", form={}, districts=_districts(request))


@router.post("/app/register")
async def register(request: Request) -> Response:
    form: dict[str, str] = {}
    try:
        form = await same_site_form(request)
        districts = _districts(request)
        region = form.get("region", "") if districts else platform_of(request).settings.region
        # A district from the list; anything else is refused with the form's other problems.
        chosen = region if not districts or region in districts else ""
        token, session = await registered(request, {**form, "region": chosen})
    except CarbonLedgerError as error:
        return refused(
            request,
            _REGISTER,
            None,
            "register",
            error,
            form=_entered(form),
            districts=_districts(request),
        )
    response = RedirectResponse(HOME, status_code=303)
    set_session_cookie(request, response, token, session)
    return response


@router.get("/app/login")
async def login_form(request: Request) -> Response:
    target = safe_next(request.query_params.get("next"), HOME)
    if await _logged_in(request):
        return RedirectResponse(target, status_code=303)
    return show(request, _LOGIN, None, "login", form={"next": target})


@router.post("/app/login")
async def login(request: Request) -> Response:
    form: dict[str, str] = {}
    try:
        form = await same_site_form(request)
        opened = await logged_in(
            request, "citizen", form.get("phone", ""), form.get("password", "")
        )
        if opened is None:
            raise Unauthorized("the phone number or the password is wrong", code="bad_credentials")
    except CarbonLedgerError as error:
        return refused(request, _LOGIN, None, "login", error, form=_entered(form))
    response = RedirectResponse(safe_next(form.get("next"), HOME), status_code=303)
    set_session_cookie(request, response, *opened)
    return response
