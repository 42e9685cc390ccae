"""Market routes: operators (role `market`) form, answer, issue, open accounts, transfer and
retire; verifiers submit signatures; anyone reads the registry and files objections."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response

from carbonledger import clock, transactions
from carbonledger.accounts.dependencies import (
    CITIZEN_ERRORS,
    OPERATOR_ERRORS,
    CurrentCitizen,
    client_address,
    operator_with,
    platform_of,
)
from carbonledger.errors import RateLimited
from carbonledger.ingest.ratelimit import RateLimiter
from carbonledger.ingest.schemas import ErrorOut
from carbonledger.market import (
    certificates,
    documents,
    exports,
    forming,
    lots,
    registry,
    verifiers,
)
from carbonledger.market.lots import MAX_LOT
from carbonledger.market.schemas import (
    AccountIn,
    LotIn,
    RetireIn,
    SignatureIn,
    TextIn,
    TransferIn,
    VerifierIn,
)

router = APIRouter()
MarketOperator = Annotated[str, Depends(operator_with("market"))]
LotNumber = Annotated[int, Path(ge=1, le=MAX_LOT)]
_REFUSED: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "the input is wrong; the message lists every problem"},
    404: {"model": ErrorOut, "description": "unknown lot, account, verifier or objection"},
    409: {"model": ErrorOut, "description": "the market's state does not allow it"},
}
_OPERATOR = {**OPERATOR_ERRORS, **_REFUSED}
_ADMIN = "/api/v1/admin/market"
_PUBLIC = "/api/v1/market"


async def _lot(request: Request, number: int, status: int = 200) -> JSONResponse:
    body = await transactions.read(request, lambda conn: documents.lot_document(conn, number))
    return JSONResponse(body, status_code=status)


@router.post(
    f"{_ADMIN}/lots",
    status_code=201,
    responses=_OPERATOR,
    tags=["market"],
    summary="Form a lot of eligible credits; its public notice starts",
)
async def form_lot(body: LotIn, operator: MarketOperator, request: Request) -> JSONResponse:
    platform = platform_of(request)
    known = [s.code for s in platform.catalogue.scenarios]
    now = clock.now()
    planned = await transactions.read(
        request, lambda conn: forming.plan(conn, body.terms(), known_scenarios=known, now=now)
    )
    number = await transactions.write(
        request,
        lambda conn: forming.form(
            conn, planned, city=platform.settings.region, by=operator, now=now
        ),
    )
    return await _lot(request, number, 201)


@router.post(
    f"{_ADMIN}/objections/{{objection_id}}/answer",
    responses=_OPERATOR,
    tags=["market"],
    summary="Answer an objection",
)
async def answer(
    objection_id: str, body: TextIn, operator: MarketOperator, request: Request
) -> dict[str, str]:
    await transactions.write(
        request, lambda conn: lots.answer(conn, objection_id, body.text, operator, clock.now())
    )
    return {"answered": objection_id}


@router.post(
    f"{_ADMIN}/lots/{{number}}/issue",
    responses=_OPERATOR,
    tags=["market"],
    summary="Issue a noticed, answered and signed lot as serial-numbered units",
)
async def issue(number: LotNumber, operator: MarketOperator, request: Request) -> JSONResponse:
    await transactions.write(request, lambda conn: lots.issue(conn, number, operator, clock.now()))
    return await _lot(request, number)


@router.post(
    f"{_ADMIN}/verifiers",
    status_code=201,
    responses=_OPERATOR,
    tags=["market"],
    summary="Register a third-party verifier and its Ed25519 key",
)
async def register_verifier(
    body: VerifierIn, operator: MarketOperator, request: Request
) -> dict[str, str]:
    await transactions.write(
        request,
        lambda conn: verifiers.register(
            conn, body.id, body.name, body.public_key, operator, clock.now()
        ),
    )
    return {"verifier": body.id}


@router.post(
    f"{_ADMIN}/accounts",
    status_code=201,
    responses=_OPERATOR,
    tags=["market"],
    summary="Open a buyer's registry account",
)
async def open_account(
    body: AccountIn, _operator: MarketOperator, request: Request
) -> dict[str, str]:
    account = await transactions.write(
        request,
        lambda conn: registry.open_account(conn, body.id, body.kind, body.name, clock.now()),
    )
    return {"account": account}


@router.post(
    f"{_ADMIN}/transfers",
    status_code=201,
    responses=_OPERATOR,
    tags=["market"],
    summary="Transfer a holder's lowest serials of a lot to a buyer at a price in fen",
)
async def transfer(body: TransferIn, _operator: MarketOperator, request: Request) -> Any:
    moved = await transactions.write(
        request,
        lambda conn: registry.transfer(
            conn,
            body.lot,
            body.units,
            seller=body.seller,
            buyer=body.buyer,
            price_fen=body.price_fen,
            funds=body.funds,
            now=clock.now(),
        ),
    )
    return asdict(moved)


@router.post(
    f"{_ADMIN}/retirements",
    status_code=201,
    responses=_OPERATOR,
    tags=["market"],
    summary="Retire a holder's units for a purpose and a beneficiary (a log leaf)",
)
async def retire(body: RetireIn, _operator: MarketOperator, request: Request) -> Any:
    moved = await transactions.write(
        request,
        lambda conn: registry.retire(
            conn,
            body.lot,
            body.units,
            holder=body.holder,
            purpose=body.purpose,
            beneficiary=body.beneficiary,
            now=clock.now(),
        ),
    )
    return asdict(moved)


# Objections a client address may file a minute, by the API or the lot's page: anyone may
# object, so nothing else stops one address from flooding a lot's record.
OBJECTIONS_PER_MINUTE = 2


def limit_objections(request: Request) -> None:
    """One objection every 30 s from one client address; then 429 with Retry-After."""
    limiter: RateLimiter = request.app.state.public_forms
    key = f"objection:{client_address(request)}"
    if wait := limiter.take(key, OBJECTIONS_PER_MINUTE, time.monotonic()):
        raise RateLimited(f"too many objections sent; try again in {wait} s", wait)


@router.post(
    f"{_PUBLIC}/lots/{{number}}/objections",
    status_code=201,
    responses={
        **_REFUSED,
        429: {
            "model": ErrorOut,
            "description": "rate_limited: one objection every 30 s per address; see Retry-After",
        },
    },
    tags=["market"],
    summary="File an objection against a lot under notice",
)
async def object_to(number: LotNumber, body: TextIn, request: Request) -> dict[str, str]:
    limit_objections(request)
    objection = await transactions.write(
        request, lambda conn: lots.object_to(conn, number, body.text, clock.now())
    )
    return {"objection": objection}


@router.post(
    f"{_PUBLIC}/lots/{{number}}/signatures",
    status_code=201,
    responses=_REFUSED,
    tags=["market"],
    summary="A verifier's signature over the lot's manifest",
)
async def add_signature(number: LotNumber, body: SignatureIn, request: Request) -> dict[str, Any]:
    # The signature is checked in a read transaction, before the short write that keeps it.
    signature = await transactions.read(
        request, lambda conn: verifiers.check(conn, number, body.verifier, body.signature)
    )
    stored = await transactions.write(
        request, lambda conn: verifiers.store(conn, number, body.verifier, signature, clock.now())
    )
    return {"lot": number, "verifier": body.verifier, "new": stored}


@router.get(
    f"{_PUBLIC}/registry", tags=["market"], summary="Lots, holdings, retirements, verifiers"
)
async def registry_document(request: Request) -> Any:
    return await transactions.read(request, documents.registry_document)


@router.get(
    f"{_PUBLIC}/lots/{{number}}",
    responses=_REFUSED,
    tags=["market"],
    summary="A lot: manifest, status, notice, objections, signatures, cover",
)
async def lot(number: LotNumber, request: Request) -> JSONResponse:
    return await _lot(request, number)


@router.get(
    f"{_PUBLIC}/lots/{{number}}/manifest",
    responses=_REFUSED,
    tags=["market"],
    summary="The manifest a verifier signs",
)
async def manifest(number: LotNumber, request: Request) -> Any:
    return await transactions.read(
        request, lambda conn: lots.manifest_of(lots.get_lot(conn, number)).to_json()
    )


@router.get(
    f"{_PUBLIC}/lots/{{number}}/leaves",
    responses=_REFUSED,
    tags=["market"],
    summary="Every credit of the lot: [leaf index, milligrams]",
)
async def leaves(number: LotNumber, request: Request) -> Any:
    pairs = await transactions.read(request, lambda conn: documents.lot_leaves(conn, number))
    return {"lot": number, "leaves": pairs}


@router.get(f"{_PUBLIC}/retirements", tags=["market"], summary="Every retirement")
async def retirements(request: Request) -> Any:
    return await transactions.read(request, documents.retirements_document)


@router.get(
    f"{_PUBLIC}/export/{{name}}",
    responses=_REFUSED,
    tags=["market"],
    summary="CSV or JSON exports: lot-N.csv, lot-N.json, retirements.csv, retirements.json",
)
async def export(name: str, request: Request) -> Response:
    data, media = await transactions.read(request, lambda conn: exports.export(conn, name))
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    f"{_PUBLIC}/retirements/{{retirement_id}}",
    responses=_REFUSED,
    tags=["market"],
    summary="A retirement with the receipt that proves its leaf",
)
async def retirement(retirement_id: str, request: Request) -> Any:
    return await transactions.read(
        request, lambda conn: certificates.retirement_with_receipt(conn, retirement_id)
    )


@router.get(
    f"{_PUBLIC}/retirements/{{retirement_id}}/certificate.pdf",
    responses=_REFUSED,
    tags=["market"],
    summary="The retirement certificate (PDF)",
)
async def certificate(retirement_id: str, request: Request) -> Response:
    font = platform_of(request).settings.report_font
    pdf = await transactions.read(
        request, lambda conn: certificates.certificate(conn, retirement_id, font)
    )
    return Response(pdf, media_type="application/pdf")


@router.get(
    "/api/v1/me/market",
    responses=CITIZEN_ERRORS,
    tags=["market"],
    summary="Which of my credits went into which lot, and what it was retired for",
)
async def my_market(citizen: CurrentCitizen, request: Request) -> Any:
    return await transactions.read(request, lambda conn: documents.citizen_story(conn, citizen))
