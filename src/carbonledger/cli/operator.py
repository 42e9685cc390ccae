"""Operator commands: serving, the demo, the schema, partners and citizens."""

from __future__ import annotations

from typing import Annotated

import typer

from carbonledger import clock
from carbonledger.accounts import service as accounts
from carbonledger.cli.common import err, fail, operator_transaction
from carbonledger.config import Settings
from carbonledger.errors import CarbonLedgerError
from carbonledger.phone.sender import OUTBOX
from carbonledger.platform import Platform

partner_app = typer.Typer(
    help="Partners: data providers and reward merchants.", no_args_is_help=True
)
citizen_app = typer.Typer(help="Citizens and their partner links.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
operator_app = typer.Typer(
    help="Operator accounts of the city's programme office and their roles.", no_args_is_help=True
)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the partner API, the public log and the pages."""
    import uvicorn

    from carbonledger.observability import logs

    logs.configure()
    Platform.open().close()  # bring the schema up to date once, before any worker starts
    if workers > 1:
        from carbonledger.observability.metrics import share_between_workers

        share_between_workers(Settings().data_dir / "metrics")
        uvicorn.run(
            "carbonledger.server:app",
            host=host,
            port=port,
            workers=workers,
            factory=True,
            log_level="warning",
            log_config=None,
            access_log=False,
        )
    else:
        from carbonledger.server import app as make_app

        uvicorn.run(
            make_app(),
            host=host,
            port=port,
            log_level="warning",
            log_config=None,
            access_log=False,
        )


def demo(
    citizens: Annotated[int, typer.Option(help="Synthetic citizens.")] = 20_000,
    days: Annotated[int, typer.Option(help="Days of behaviour, up to yesterday.")] = 30,
    fresh: Annotated[bool, typer.Option("--fresh", help="Rebuild the data directory.")] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    build_only: Annotated[bool, typer.Option("--build-only", help="Build, do not serve.")] = False,
) -> None:
    """Build a demo city on the embedded SQLite default (or reuse it), print its addresses and
    logins, then serve it."""
    import os
    from dataclasses import replace

    from carbonledger.config import Settings
    from carbonledger.simulate import demo as city_demo
    from carbonledger.simulate import logins
    from carbonledger.simulate import witness as demo_witness

    settings = Settings()
    if fresh:
        city_demo.wipe(settings)
    platform = Platform.open(settings)
    # A witness beside the city cosigns its checkpoints, from the build's first one on; it
    # stops, its thread joined, before the process ends.
    with demo_witness.serving(settings.data_dir, platform.log_signer.verifier_key()) as witness:
        witnesses = ",".join(filter(None, (settings.witnesses, witness)))
        os.environ["CARBONLEDGER_WITNESSES"] = witnesses
        settings = platform.settings.model_copy(update={"witnesses": witnesses})
        platform = replace(platform, settings=settings)
        err.print(f"witness            {witness.partition('=')[2]} ({demo_witness.NAME})")
        try:
            _build_demo(platform, citizens, days)
        finally:
            platform.close()
        found = logins.load(settings.data_dir)
        assert found is not None  # written at the end of every build
        for line in logins.describe(found, f"http://{host}:{port}"):
            print(line)
        print(f"partner keys       {settings.data_dir / 'partners'} (PEM, one per partner)")
        print(f"logins kept in     {settings.data_dir / logins.FILE_NAME}")
        print(f"SMS codes sent to  {settings.data_dir / OUTBOX} (reset a password, verify a phone)")
        if not build_only:
            serve(host=host, port=port, workers=1)


def _build_demo(platform: Platform, citizens: int, days: int) -> None:
    """Build the demo city in the platform's data directory, or reuse the one built there."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from carbonledger import heap
    from carbonledger.simulate import demo as city_demo

    data_dir = platform.settings.data_dir
    if city_demo.is_built(platform):
        err.print(f"reusing the demo city in {data_dir} (--fresh rebuilds it)")
        return
    if city_demo.has_data(platform):
        err.print(
            f"{data_dir} holds partners but no finished demo city: run "
            "`carbonledger demo --fresh` to rebuild it there (its data is removed), or set "
            "CARBONLEDGER_DATA_DIR to another directory"
        )
        raise typer.Exit(1)
    columns = (
        TextColumn("{task.description:<36}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    heap.freeze_startup()
    with Progress(*columns, console=err) as progress:
        built = city_demo.build(platform, city_demo.DemoSize(citizens, days), progress)
    err.print(
        f"built the demo city in {data_dir}: {citizens:,} citizens, {days} days, "
        f"{built.records:,} records in {built.seconds:.1f} s "
        f"({built.records / built.seconds:,.0f} records/s overall)"
    )
    for label, counts in (("results", built.statuses), ("points loop", built.activity)):
        err.print(f"{label}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest version."""
    Platform.open().close()
    print("database schema is up to date")


@partner_app.command("add")
def partner_add(
    partner_id: Annotated[str, typer.Argument(metavar="ID", help="e.g. mobike")],
    name: Annotated[str, typer.Option(help="The partner's display name.")],
    public_key: Annotated[str, typer.Option(help="Raw 32-byte Ed25519 public key, base64.")],
    role: Annotated[str, typer.Option(help="data, merchant or both.")] = "data",
    pending: Annotated[
        bool, typer.Option("--pending", help="Refuse its requests until `partner approve`.")
    ] = False,
) -> None:
    """Register a partner with its request-signing key."""
    with operator_transaction() as (_, conn):
        accounts.add_partner(conn, partner_id, name, public_key, role, clock.now(), pending=pending)
    print(f"partner {partner_id} added ({role}{', pending approval' if pending else ''})")


def _change_partner(partner_id: str, action: str) -> None:
    with operator_transaction() as (_, conn):
        status = accounts.change_partner(conn, partner_id, action)
    print(f"partner {partner_id} {status}")


@partner_app.command("approve")
def partner_approve(partner_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Approve a pending partner: its signed requests are accepted from now on."""
    _change_partner(partner_id, "approve")


@partner_app.command("suspend")
def partner_suspend(partner_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Refuse every further request of a partner (403 partner_suspended)."""
    _change_partner(partner_id, "suspend")


@partner_app.command("resume")
def partner_resume(partner_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Accept a suspended partner's requests again."""
    _change_partner(partner_id, "resume")


@partner_app.command("portal-key")
def partner_portal_key(partner_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Issue a fresh access key for the partner's staff to log in to the portal (/portal); it is
    printed this once and stored only hashed. The previous key and its sessions end."""
    from carbonledger.accounts import portal

    new = portal.new_portal_key()
    with operator_transaction() as (_, conn):
        key = portal.issue_portal_key(conn, partner_id, new, clock.now())
    print(key)


@citizen_app.command("add")
def citizen_add(
    name: Annotated[str, typer.Option(help="Real name.")],
    phone: Annotated[str, typer.Option(help="Mobile number.")],
    id_number: Annotated[str, typer.Option(help="18-character resident ID number.")],
    region: Annotated[str | None, typer.Option(help="6-digit region code.")] = None,
) -> None:
    """Register a citizen; prints the citizen id."""
    with operator_transaction() as (platform, conn):
        citizen_id = accounts.add_citizen(
            conn,
            platform.keys,
            name=name,
            phone=phone,
            id_number=id_number,
            region=region or platform.settings.region,
            now=clock.now(),
        )
    print(citizen_id)


@citizen_app.command("delete")
def citizen_delete(citizen_id: Annotated[str, typer.Argument(metavar="CITIZEN_ID")]) -> None:
    """Delete a citizen's personal data and pseudonym key (their log leaves stay, unlinkable)."""
    with operator_transaction() as (_, conn):
        accounts.delete_citizen(conn, citizen_id, clock.now())
    print(f"citizen {citizen_id} deleted")


@citizen_app.command("link-code")
def citizen_link_code(
    citizen_id: Annotated[str, typer.Argument(metavar="CITIZEN_ID")],
    partner_id: Annotated[str, typer.Argument(metavar="PARTNER_ID")],
) -> None:
    """Make a one-time code that links the citizen at the partner; prints the code."""
    with operator_transaction() as (platform, conn):
        minutes = platform.settings.link_code_minutes
        code = accounts.create_link_code(
            conn, platform.keys, citizen_id, partner_id, clock.now(), minutes
        )
    print(code)


@operator_app.command("add")
def operator_add(
    operator_id: Annotated[str, typer.Argument(metavar="ID", help="Login id, e.g. wang.li")],
    name: Annotated[str, typer.Option(help="The operator's display name.")],
    role: Annotated[
        list[str],
        typer.Option(
            help="admin, partners, methodology, points, reviewer, reports or market; repeat."
        ),
    ],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="CARBONLEDGER_OPERATOR_PASSWORD",
            help="Asked for when not given (or set CARBONLEDGER_OPERATOR_PASSWORD).",
        ),
    ],
) -> None:
    """Create an operator account with its roles."""
    from carbonledger.accounts import auth

    try:
        new = auth.new_operator(operator_id, name, password, role)
    except CarbonLedgerError as error:
        fail(error)
    with operator_transaction() as (_, conn):
        auth.add_operator(conn, new, clock.now())
    print(f"operator {operator_id} added ({', '.join(sorted(set(role)))})")


@operator_app.command("disable")
def operator_disable(operator_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Disable an operator account and end its sessions."""
    from carbonledger.accounts import auth

    with operator_transaction() as (_, conn):
        auth.disable_operator(conn, operator_id)
    print(f"operator {operator_id} disabled")
