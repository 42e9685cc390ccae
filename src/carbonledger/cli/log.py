"""Log and ledger commands: verify, reconcile, reverse, the witness and the log's key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from carbonledger import clock, db
from carbonledger.cli.common import err, operator_transaction
from carbonledger.platform import Platform

witness_app = typer.Typer(
    help="A witness that cosigns the log's checkpoints.", no_args_is_help=True
)


def verify(
    url: Annotated[
        str | None,
        typer.Option(help="A deployment to verify over HTTP; without it, the local database."),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(help="The directory where the last verified checkpoint of each log is kept."),
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
        state = state or Path.home() / ".carbonledger" / "verify"
    else:
        platform = Platform.open()
        source = LocalSource(platform.engine, platform.log_signer.verifier_key())
        state = state or platform.settings.data_dir / "verify"
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


def reverse(
    record: Annotated[str, typer.Argument(metavar="RECORD", help="The platform's record id.")],
    reason: Annotated[str, typer.Option(help="Why the credit is withdrawn (kept for audit).")],
) -> None:
    """Withdraw a credit after review: a reversal leaf, points clawed back, one transaction."""
    from carbonledger.ingest import crediting
    from carbonledger.translog.publisher import publish_and_cosign

    with operator_transaction() as (platform, conn):
        index = crediting.reverse(conn, platform, record, reason, clock.now())
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


def log_key() -> None:
    """Print the log's verifier key (what auditors and witnesses check checkpoints with)."""
    print(Platform.open().log_signer.verifier_key())
