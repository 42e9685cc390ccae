"""`carbonledger registry …`: the carbon market from the command line. Operators form, answer,
issue, open accounts, transfer and retire (each command one transaction); a verifier makes its
key and signs a lot's manifest with its own key (`keygen`, `sign`), locally or over HTTP;
anyone checks the registry against the log (`verify`) and a certificate's receipt."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from carbonledger import clock
from carbonledger.cli.common import err, fail, operator_transaction

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


@registry_app.command("keygen")
def keygen(out: Annotated[Path, typer.Option(help="Where to keep the new private key.")]) -> None:
    """Make a verifier's key; print the public key to register."""
    from carbonledger.market.signing import new_seed, public_key

    if out.exists():
        err.print(f"[red]error[/red]: {out} exists; choose another file")
        raise typer.Exit(1)
    seed = new_seed()
    out.write_text(base64.b64encode(seed).decode() + "\n")
    out.chmod(0o600)
    print(base64.b64encode(public_key(seed)).decode())


def _manifest(url: str | None, lot: int) -> dict[str, Any]:
    if url:
        import httpx

        response = httpx.get(f"{url.rstrip('/')}/api/v1/market/lots/{lot}/manifest", timeout=30)
        if response.status_code != 200:
            err.print(f"[red]error[/red]: {response.text}")
            raise typer.Exit(1)
        body: dict[str, Any] = response.json()
        return body
    from carbonledger import db
    from carbonledger.market.lots import get_lot, manifest_of
    from carbonledger.platform import Platform

    platform = Platform.open()
    try:
        with db.read(platform.engine) as conn:
            return manifest_of(get_lot(conn, lot)).to_json()
    finally:
        platform.close()


@registry_app.command("sign")
def sign(
    lot: Annotated[int, typer.Argument(help="The lot's number.")],
    verifier: Annotated[str, typer.Option(help="The verifier's registered id.")],
    key: Annotated[Path, typer.Option(help="The verifier's private key file (from `keygen`).")],
    url: Annotated[str | None, typer.Option(help="The deployment; without it, local.")] = None,
) -> None:
    """Sign a lot's manifest with the verifier's own key and submit the signature."""
    import httpx

    from carbonledger.errors import CarbonLedgerError
    from carbonledger.market.manifest import Manifest
    from carbonledger.market.signing import BadSignature, decode_key
    from carbonledger.market.signing import sign as sign_manifest

    body = _manifest(url, lot)
    print(json.dumps(body, indent=2, ensure_ascii=False))
    try:
        seed = decode_key(key.read_text(), "private key")
    except (OSError, BadSignature) as error:
        err.print(f"[red]error[/red]: {error}")
        raise typer.Exit(1) from None
    signature = base64.b64encode(sign_manifest(seed, Manifest.from_json(body))).decode()
    if url:
        response = httpx.post(
            f"{url.rstrip('/')}/api/v1/market/lots/{lot}/signatures",
            json={"verifier": verifier, "signature": signature},
            timeout=30,
        )
        if response.status_code != 201:
            err.print(f"[red]error[/red]: {response.text}")
            raise typer.Exit(1)
    else:
        from carbonledger import db
        from carbonledger.market.verifiers import check, store
        from carbonledger.platform import Platform

        platform = Platform.open()
        try:
            with db.read(platform.engine) as conn:
                checked = check(conn, lot, verifier, signature)
            with db.write(platform.engine) as conn:
                store(conn, lot, verifier, checked, clock.now())
        except CarbonLedgerError as error:
            fail(error)
        finally:
            platform.close()
    print(f"lot {lot} signed by {verifier}")


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


@registry_app.command("certificate")
def certificate(
    retirement: Annotated[str, typer.Argument(help="The retirement's id.")],
    out: Annotated[Path, typer.Option(help="Where to write the PDF.")],
) -> None:
    """Write a retirement's certificate (PDF)."""
    from carbonledger import db
    from carbonledger.errors import CarbonLedgerError
    from carbonledger.market.certificates import certificate as build
    from carbonledger.platform import Platform

    platform = Platform.open()
    try:
        with db.read(platform.engine) as conn:
            out.write_bytes(build(conn, retirement, platform.settings.report_font))
    except CarbonLedgerError as error:
        fail(error)
    finally:
        platform.close()
    print(f"wrote {out}")


@registry_app.command("check-receipt")
def check_receipt(
    file: Annotated[Path, typer.Argument(help="A retirement's JSON with its receipt.")],
    url: Annotated[str | None, typer.Option(help="Take the log's key from a deployment.")] = None,
) -> None:
    """Check that a retirement's receipt proves its leaf under a signed checkpoint."""
    import httpx

    from carbonledger.market.receipt import check

    body = json.loads(file.read_text())
    if url:
        key = httpx.get(f"{url.rstrip('/')}/log/key", timeout=30).text
    else:
        from carbonledger.platform import Platform

        platform = Platform.open()
        key = platform.log_signer.verifier_key()
        platform.close()
    try:
        leaf = check(body.get("receipt", body), key)
    except (ValueError, KeyError) as error:
        err.print(f"[red]receipt does not verify[/red]: {error}")
        raise typer.Exit(1) from None
    print(f"receipt verified: {leaf.units} unit(s) of {leaf.lot} retired for {leaf.purpose}")


@registry_app.command("verify")
def verify(
    url: Annotated[
        str | None,
        typer.Option(help="A deployment to verify over HTTP; without it, the local database."),
    ] = None,
) -> None:
    """Check every lot, signature, serial and retirement against the public log."""
    import httpx

    from carbonledger.market.audit import Registry, audit
    from carbonledger.market.sources import HttpRegistry, LocalRegistry
    from carbonledger.platform import Platform
    from carbonledger.translog.sources import HttpSource, LocalSource
    from carbonledger.translog.verify import VerifyError

    platform: Platform | None = None
    source: HttpSource | LocalSource
    registry: Registry
    if url:
        source, registry = HttpSource(url), HttpRegistry(url)
    else:
        platform = Platform.open()
        source = LocalSource(platform.engine, platform.log_signer.verifier_key())
        registry = LocalRegistry(platform.engine)
    try:
        result = audit(source, registry)
    except (VerifyError, LookupError, httpx.HTTPError, ValueError) as error:
        err.print(f"[red]registry verification failed[/red]: {error}")
        raise typer.Exit(1) from None
    finally:
        if isinstance(source, HttpSource):
            source.close()
        if isinstance(registry, HttpRegistry):
            registry.close()
        if platform is not None:
            platform.close()
    if result.problems:
        err.print(f"[red]registry verification failed[/red]: {result.problems[0]}")
        for problem in result.problems[1:]:
            err.print(f"  also: {problem}")
        raise typer.Exit(1)
    print(result.summary())


@registry_app.command("export")
def export(
    name: Annotated[str, typer.Argument(help="lot-N.csv, lot-N.json, retirements.csv or .json")],
    out: Annotated[Path, typer.Option(help="Where to write it.")],
) -> None:
    """Export a lot or the retirements for an exchange's registry."""
    from carbonledger import db
    from carbonledger.errors import CarbonLedgerError
    from carbonledger.market.exports import export as build
    from carbonledger.platform import Platform

    platform = Platform.open()
    try:
        with db.read(platform.engine) as conn:
            data, _media = build(conn, name)
    except CarbonLedgerError as error:
        fail(error)
    finally:
        platform.close()
    out.write_bytes(data)
    print(f"wrote {out}")
