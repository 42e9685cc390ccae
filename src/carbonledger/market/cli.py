"""`carbonledger registry …`: the carbon market from the command line. Operators form, answer,
issue, open accounts, transfer and retire (each command one transaction); the commands a
verifier or anyone runs are in tools.py."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from carbonledger import clock
from carbonledger.cli.common import fail, operator_transaction
from carbonledger.market import tools

registry_app = typer.Typer(help="The carbon market's registry.", no_args_is_help=True)
_By = Annotated[str, typer.Option("--by", help="The operator acting, kept for audit.")]


@registry_app.command("form")
def form(
    start: Annotated[str, typer.Option(help="First day of the period, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="Last day of the period, YYYY-MM-DD.")],
    scenario: Annotated[list[str], typer.Option(help="A scenario to include; repeat.")],
    region: Annotated[list[str], typer.Option(help="A 6-digit region to include; repeat.")],
    unit_g: Annotated[int, typer.Option(help="Grams CO2e a unit.")] = 1000,
    buffer_percent: Annotated[float, typer.Option(help="The buffer's share of the units.")] = 5.0,
    notice_days: Annotated[int, typer.Option(help="Days of public notice.")] = 7,
    review_days: Annotated[int, typer.Option(help="How old a credit must be.")] = 30,
    by: _By = "operator",
) -> None:
    """Form a lot of every eligible credit in no lot yet; its public notice starts."""
    from carbonledger import db
    from carbonledger.errors import InvalidInput
    from carbonledger.market.forming import LotTerms, form, plan

    try:
        period = (date.fromisoformat(start), date.fromisoformat(end))
    except ValueError as error:
        fail(InvalidInput(f"dates are YYYY-MM-DD: {error}"))
    terms = LotTerms(
        period[0],
        period[1],
        tuple(scenario),
        tuple(region),
        unit_mg=unit_g * 1000,
        buffer_bp=round(buffer_percent * 100),
        notice_days=notice_days,
        review_days=review_days,
    )
    from carbonledger.errors import CarbonLedgerError
    from carbonledger.platform import Platform

    now = clock.now()
    platform = Platform.open()
    try:
        with db.read(platform.engine) as conn:
            known = [s.code for s in platform.catalogue.scenarios]
            planned = plan(conn, terms, known_scenarios=known, now=now)
    except CarbonLedgerError as error:
        fail(error)
    finally:
        platform.close()
    with operator_transaction() as (platform, conn):
        number = form(conn, planned, city=platform.settings.region, by=by, now=now)
    print(f"formed lot {number}")


@registry_app.command("object")
def object_to(
    lot: Annotated[int, typer.Argument(help="The lot's number.")],
    text: Annotated[str, typer.Option(help="What is wrong with the lot.")],
) -> None:
    """File an objection against a lot under notice."""
    from carbonledger.market.lots import object_to as file

    with operator_transaction() as (_platform, conn):
        objection = file(conn, lot, text, clock.now())
    print(f"objection {objection} filed")


@registry_app.command("answer")
def answer(
    objection: Annotated[str, typer.Argument(help="The objection's id.")],
    text: Annotated[str, typer.Option(help="The operator's answer.")],
    by: _By = "operator",
) -> None:
    """Answer an objection (every objection is answered before issue)."""
    from carbonledger.market.lots import answer as reply

    with operator_transaction() as (_platform, conn):
        reply(conn, objection, text, by, clock.now())
    print(f"objection {objection} answered")


@registry_app.command("issue")
def issue(
    lot: Annotated[int, typer.Argument(help="The lot's number.")], by: _By = "operator"
) -> None:
    """Issue a noticed, answered and signed lot as serial-numbered units."""
    from carbonledger.market.lots import issue as issue_lot

    with operator_transaction() as (_platform, conn):
        units, buffer = issue_lot(conn, lot, by, clock.now())
    print(f"lot {lot} issued: {units} units, {buffer} in the buffer")


@registry_app.command("add-verifier")
def add_verifier(
    verifier: Annotated[str, typer.Argument(help="The verifier's id, e.g. cqc.")],
    name: Annotated[str, typer.Option(help="The verifier's name.")],
    key: Annotated[str, typer.Option(help="Its Ed25519 public key, base64 (from `keygen`).")],
    by: _By = "operator",
) -> None:
    """Register a third-party verifier."""
    from carbonledger.market.verifiers import register

    with operator_transaction() as (_platform, conn):
        register(conn, verifier, name, key, by, clock.now())
    print(f"verifier {verifier} registered")


@registry_app.command("account")
def account(
    account_id: Annotated[str, typer.Argument(metavar="ID", help="e.g. acme or marathon-2026")],
    kind: Annotated[str, typer.Option(help="enterprise, organiser or citizen")],
    name: Annotated[str, typer.Option(help="The holder's name.")],
) -> None:
    """Open a buyer's registry account."""
    from carbonledger.market.registry import open_account

    with operator_transaction() as (_platform, conn):
        print(open_account(conn, account_id, kind, name, clock.now()))


@registry_app.command("transfer")
def transfer(
    lot: Annotated[int, typer.Argument(help="The lot's number.")],
    units: Annotated[int, typer.Argument(help="How many units.")],
    buyer: Annotated[str, typer.Option(help="The buyer's account, e.g. enterprise:acme.")],
    price_fen: Annotated[int, typer.Option(help="The price of the whole transfer, in fen.")],
    seller: Annotated[str, typer.Option(help="The seller's account.")] = "pool",
    funds: Annotated[str | None, typer.Option(help="campaign:<id> or project:<id>.")] = None,
) -> None:
    """Transfer the seller's lowest serials of a lot to a buyer."""
    from carbonledger.market.registry import transfer as move

    with operator_transaction() as (_platform, conn):
        moved = move(
            conn,
            lot,
            units,
            seller=seller,
            buyer=buyer,
            price_fen=price_fen,
            funds=funds,
            now=clock.now(),
        )
    print(f"moved {' '.join(moved.serials)}")


@registry_app.command("retire")
def retire(
    lot: Annotated[int, typer.Argument(help="The lot's number.")],
    units: Annotated[int, typer.Argument(help="How many units.")],
    holder: Annotated[str, typer.Option(help="The holder's account.")],
    purpose: Annotated[str, typer.Option(help="e.g. '2026 city marathon, carbon neutral'")],
    beneficiary: Annotated[str, typer.Option(help="For whom.")],
) -> None:
    """Retire units for a purpose and a beneficiary; a retirement leaf records it."""
    from carbonledger.market.registry import retire as retire_units

    with operator_transaction() as (_platform, conn):
        moved = retire_units(
            conn,
            lot,
            units,
            holder=holder,
            purpose=purpose,
            beneficiary=beneficiary,
            now=clock.now(),
        )
    print(f"retirement {moved.id}: {' '.join(moved.serials)}, leaf {moved.leaf_index}")


registry_app.command("keygen")(tools.keygen)
registry_app.command("sign")(tools.sign)
registry_app.command("certificate")(tools.certificate)
registry_app.command("check-receipt")(tools.check_receipt)
registry_app.command("verify")(tools.verify)
registry_app.command("export")(tools.export)
