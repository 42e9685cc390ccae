"""The `carbonledger` command: operator tools, the server, the demo, checks. Every command reads
the same settings (`CARBONLEDGER_*`) and owns its transaction."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from sqlalchemy.engine import Connection

from carbonledger import clock, db
from carbonledger.accounts import service as accounts
from carbonledger.errors import CarbonLedgerError
from carbonledger.platform import Platform

app = typer.Typer(help="Carbon Ledger: a city's carbon-inclusion platform.", no_args_is_help=True)
partner_app = typer.Typer(
    help="Partners: data providers and reward merchants.", no_args_is_help=True
)
citizen_app = typer.Typer(help="Citizens and their partner links.", no_args_is_help=True)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
witness_app = typer.Typer(
    help="A witness that cosigns the log's checkpoints.", no_args_is_help=True
)
app.add_typer(partner_app, name="partner")
app.add_typer(citizen_app, name="citizen")
app.add_typer(db_app, name="db")
app.add_typer(witness_app, name="witness")

err = Console(stderr=True)


def fail(error: CarbonLedgerError) -> NoReturn:
    err.print(f"[red]error[/red] ({error.code}): {error.message}")
    raise typer.Exit(1)


@contextmanager
def operator_transaction() -> Iterator[tuple[Platform, Connection]]:
    """One write transaction for a command; a domain error is printed and exits 1, and the
    transaction is rolled back, so nothing is half-written."""
    platform = Platform.open()
    try:
        with db.write(platform.engine) as conn:
            yield platform, conn
    except CarbonLedgerError as error:
        fail(error)
    finally:
        platform.close()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve the partner API, the public log and the pages."""
    import uvicorn

    Platform.open().close()  # bring the schema up to date once, before any worker starts
    if workers > 1:
        uvicorn.run(
            "carbonledger.server:app",
            host=host,
            port=port,
            workers=workers,
            factory=True,
            log_level="warning",
        )
    else:
        from carbonledger.server import app as make_app

        uvicorn.run(make_app(), host=host, port=port, log_level="warning")


@app.command()
def demo(
    citizens: Annotated[int, typer.Option(help="Synthetic citizens.")] = 2000,
    days: Annotated[int, typer.Option(help="Days of behaviour, ending today.")] = 7,
    fresh: Annotated[bool, typer.Option("--fresh", help="Rebuild the data directory.")] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    build_only: Annotated[bool, typer.Option("--build-only", help="Build, do not serve.")] = False,
) -> None:
    """Build a demo city on the embedded SQLite default (or reuse it), then serve it."""
    from rich.progress import Progress

    from carbonledger.config import Settings
    from carbonledger.simulate import demo as city_demo

    settings = Settings()
    if fresh:
        city_demo.wipe(settings)
    platform = Platform.open(settings)
    if city_demo.is_built(platform):
        err.print(f"reusing the demo city in {settings.data_dir} (--fresh rebuilds it)")
    else:
        with Progress(console=err, transient=True) as progress:
            counts = city_demo.build(platform, city_demo.DemoSize(citizens, days), progress)
        err.print(f"built the demo city in {settings.data_dir}: {counts}")
    platform.close()
    base = f"http://{host}:{port}"
    print(f"partner API docs   {base}/docs")
    print(f"scenarios          {base}/api/v1/scenarios")
    print(f"log checkpoint     {base}/log/checkpoint")
    print(f"partner keys       {settings.data_dir / 'partners'} (PEM, one per partner)")
    if not build_only:
        serve(host=host, port=port, workers=1)


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
) -> None:
    """Register a partner with its request-signing key."""
    with operator_transaction() as (_, conn):
        accounts.add_partner(conn, partner_id, name, public_key, role, clock.now())
    print(f"partner {partner_id} added ({role})")


@partner_app.command("suspend")
def partner_suspend(partner_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Refuse every further request of a partner (403 partner_suspended)."""
    with operator_transaction() as (_, conn):
        accounts.set_partner_status(conn, partner_id, "suspended")
    print(f"partner {partner_id} suspended")


@partner_app.command("resume")
def partner_resume(partner_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Accept a suspended partner's requests again."""
    with operator_transaction() as (_, conn):
        accounts.set_partner_status(conn, partner_id, "active")
    print(f"partner {partner_id} active")


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
        code = accounts.create_link_code(
            conn, citizen_id, partner_id, clock.now(), platform.settings.link_code_minutes
        )
    print(code)


@app.command()
def verify(
    url: Annotated[
        str | None,
        typer.Option(help="A deployment to verify over HTTP; without it, the local database."),
    ] = None,
    state: Annotated[
        Path | None, typer.Option(help="Where the last verified checkpoint is kept.")
    ] = None,
) -> None:
    """Verify the public log: signature, every leaf and tile, consistency with the last run."""
    import httpx
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from carbonledger.translog.sources import HttpSource, LocalSource
    from carbonledger.translog.verify import VerifyError
    from carbonledger.translog.verify import verify as verify_log

    if url:
        source: HttpSource | LocalSource = HttpSource(url)
        state = state or Path.home() / ".carbonledger" / "verify-state.json"
    else:
        platform = Platform.open()
        source = LocalSource(platform.engine, platform.log_signer.verifier_key())
        state = state or platform.settings.data_dir / "verify-state.json"
    columns = (TextColumn("leaves"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("verify", total=None)
        try:
            result = verify_log(
                source,
                state,
                lambda done, total: progress.update(task, completed=done, total=total),
            )
        except (VerifyError, LookupError, httpx.HTTPError) as error:
            err.print(f"[red]verification failed[/red]: {error}")
            raise typer.Exit(1) from None
        finally:
            if isinstance(source, HttpSource):
                source.close()
    print(result.summary())


@app.command()
def reconcile() -> None:
    """Check the points ledger: balances sum to zero, none negative, and the log's points equal
    the issuance account's movements up to the latest checkpoint."""
    from carbonledger.points.reconcile import reconcile as reconcile_points

    platform = Platform.open()
    with db.read(platform.engine) as conn:
        result = reconcile_points(conn)
    for line in result.lines():
        print(line)
    for problem in result.problems:
        err.print(f"[red]mismatch[/red]: {problem}")
    if not result.ok:
        raise typer.Exit(1)
    print("reconciled: every figure agrees")


@app.command()
def reverse(
    record: Annotated[str, typer.Argument(metavar="RECORD", help="The platform's record id.")],
    reason: Annotated[str, typer.Option(help="Why the credit is withdrawn (kept for audit).")],
) -> None:
    """Withdraw a credit after review: a reversal leaf, points clawed back, one transaction."""
    from carbonledger.ingest.reversal import reverse as reverse_record
    from carbonledger.translog.publisher import publish_and_cosign

    with operator_transaction() as (_, conn):
        index = reverse_record(conn, record, reason, clock.now())
    platform = Platform.open()
    publish_and_cosign(platform, clock.now())
    print(f"record {record} reversed by leaf {index}")


@witness_app.command("serve")
def witness_serve(
    key: Annotated[
        Path, typer.Option(help="The witness's key file (created if absent, mode 0600).")
    ],
    log_key: Annotated[
        list[str], typer.Option(help="Verifier key of a log to witness (repeatable).")
    ],
    name: Annotated[
        str, typer.Option(help="The witness's name in its cosignatures.")
    ] = "witness.local",
    state: Annotated[
        Path | None, typer.Option(help="Where the latest cosigned checkpoints are kept.")
    ] = None,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8100,
) -> None:
    """Serve C2SP tlog-witness add-checkpoint; prints the witness's verifier key first."""
    import uvicorn

    from carbonledger.translog.note import NoteError, parse_verifier_key
    from carbonledger.translog.witness_server import (
        WitnessState,
        create_witness_app,
        witness_signer,
    )

    try:
        logs = [parse_verifier_key(vkey) for vkey in log_key]
    except NoteError as error:
        err.print(f"[red]error[/red]: --log-key: {error}")
        raise typer.Exit(1) from None
    signer = witness_signer(key, name)
    print(signer.verifier_key(), flush=True)
    app_ = create_witness_app(signer, logs, WitnessState(state or key.with_suffix(".state.json")))
    uvicorn.run(app_, host=host, port=port, log_level="warning")


@witness_app.command("key")
def witness_key(
    key: Annotated[Path, typer.Option(help="The witness's key file (created if absent).")],
    name: Annotated[str, typer.Option(help="The witness's name.")] = "witness.local",
) -> None:
    """Print the witness's verifier key (give it to the log as `VKEY=URL`)."""
    from carbonledger.translog.witness_server import witness_signer

    print(witness_signer(key, name).verifier_key())


@app.command("log-key")
def log_key() -> None:
    """Print the log's verifier key (what auditors and witnesses check checkpoints with)."""
    print(Platform.open().log_signer.verifier_key())


def main() -> None:
    sys.exit(app())


if __name__ == "__main__":
    main()
