"""Citizen app: a forgotten password reset with a code sent by SMS (找回密码), and verifying the
phone number with one (手机号验证). The codes, their limits and the sender are the `phone`
package's; the new password is checked and hashed before its transaction, the code is sent
after the transaction that issued it commits, and a wrong code is counted before it is refused.
The reset page answers the same whether the number is registered or not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool

from carbonledger import clock, transactions
from carbonledger.accounts import passwords
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import CarbonLedgerError, InvalidInput, RateLimited
from carbonledger.phone import service
from carbonledger.phone.sender import sender_of
from carbonledger.platform import Platform
from carbonledger.web.base import i18n
from carbonledger.web.base.forms import submit
from carbonledger.web.base.guard import page_session, same_site_form
from carbonledger.web.base.rendering import after, language_of
from carbonledger.web.citizen.page import Page, refused, show

router = APIRouter(include_in_schema=False)
_RESET = "citizen/reset.html"
PHONE_PATH = "/app/account/phone"


async def _send(request: Request, number: str, code: str) -> None:
    """Text the code to `number` in the page's language, off the event loop."""
    platform = platform_of(request)
    minutes = int(service.CODE_LIFETIME.total_seconds() // 60)
    text = i18n.translate(language_of(request), "citizen.sms.code", code=code, minutes=minutes)
    await run_in_threadpool(sender_of(platform.settings).send, number, text, clock.now())


def _wrong_code() -> InvalidInput:
    return InvalidInput("the code is not the one sent; check the message", code="wrong_code")


@router.get("/app/reset")
async def reset_form(request: Request) -> Response:
    return show(request, _RESET, None, "login", step="ask", form={})


@router.post("/app/reset")
async def send_reset_code(request: Request) -> Response:
    form: dict[str, str] = {}
    platform = platform_of(request)
    try:
        form = await same_site_form(request)
        phone, now = form.get("phone", ""), clock.now()
        to_send = await transactions.write(
            request, lambda conn: service.request_reset(conn, platform.keys, phone, now)
        )
    except CarbonLedgerError as error:
        # Asked again too soon: the code sent before is still good, so the form to use it.
        step = "confirm" if isinstance(error, RateLimited) else "ask"
        entered = {"phone": form.get("phone", "")}
        return refused(request, _RESET, None, "login", error, step=step, form=entered)
    if to_send is not None:
        await _send(request, *to_send)
    sent = i18n.translate(language_of(request), "citizen.reset.sent")
    return show(
        request,
        _RESET,
        None,
        "login",
        step="confirm",
        form={"phone": phone},
        flash=sent,
        flash_kind="ok",
    )


@router.post("/app/reset/confirm")
async def reset(request: Request) -> Response:
    form: dict[str, str] = {}
    platform = platform_of(request)
    try:
        form = await same_site_form(request)
        password = form.get("password", "")
        if problem := passwords.password_problem(password):
            raise InvalidInput(f"password: {problem}", code="invalid_password")
        hashed = await run_in_threadpool(passwords.hash_password, password)
        phone, code, now = form.get("phone", ""), form.get("code", ""), clock.now()
        done = await transactions.write(
            request,
            lambda conn: service.reset_password(conn, platform.keys, phone, code, hashed, now),
        )
        if not done:  # the try is counted (committed) before the refusal
            raise _wrong_code()
    except CarbonLedgerError as error:
        entered = {"phone": form.get("phone", ""), "code": form.get("code", "")}
        return refused(request, _RESET, None, "login", error, step="confirm", form=entered)
    return RedirectResponse("/app/login?done=password_reset", status_code=303)


def _phone(conn: Connection, _platform: Platform, citizen: str, _language: str) -> dict[str, Any]:
    verified: datetime | None = service.verified_at(conn, citizen)
    return {"verified_at": verified}


PHONE = Page("citizen/phone.html", "account", _phone)


@router.get(PHONE_PATH)
async def phone_page(request: Request) -> HTMLResponse:
    return await PHONE.show(request, await page_session(request, "citizen"))


@router.post(PHONE_PATH + "/send")
async def send_verification_code(request: Request) -> Response:
    session = await page_session(request, "citizen")
    keys = platform_of(request).keys
    try:
        number, code = await submit(
            request,
            session,
            lambda conn, _form: service.send_verification(conn, keys, session.subject, clock.now()),
        )
    except CarbonLedgerError as error:
        return await PHONE.refused(request, session, error)
    await _send(request, number, code)
    return after(PHONE_PATH, "code_sent")


@router.post(PHONE_PATH + "/verify")
async def verify_phone(request: Request) -> Response:
    session = await page_session(request, "citizen")
    keys = platform_of(request).keys
    try:
        done = await submit(
            request,
            session,
            lambda conn, form: service.verify(
                conn, keys, session.subject, form.get("code", ""), clock.now()
            ),
        )
        if not done:  # the try is counted (committed) before the refusal
            raise _wrong_code()
    except CarbonLedgerError as error:
        return await PHONE.refused(request, session, error)
    return after(PHONE_PATH, "phone_verified")
