"""Lottery commands: `carbonledger lottery verify ID [--url URL]` checks a drawn lottery as
anyone can, from a deployment over HTTP or from the local database."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from carbonledger.cli.common import err

lottery_app = typer.Typer(help="Verifiable lotteries.", no_args_is_help=True)


def _check_served(url: str, lottery_id: str) -> None:
    from carbonledger.lotteries.audit import audit
    from carbonledger.translog.sources import HttpSource

    with HttpSource(url) as source:
        response = source.http.get(f"/api/v1/lotteries/{lottery_id}")
        if response.status_code == 404:
            raise LookupError(f"{url} has no lottery {lottery_id}")
        response.raise_for_status()
        record: dict[str, Any] = response.json()
        audit(record, source, print)


def _check_local(lottery_id: str) -> None:
    from carbonledger import db
    from carbonledger.errors import NotFound
    from carbonledger.lotteries.audit import audit
    from carbonledger.lotteries.views import public_record
    from carbonledger.platform import Platform
    from carbonledger.translog.sources import LocalSource

    platform = Platform.open()
    try:
        with db.read(platform.engine) as conn:
            record = public_record(conn, lottery_id)
        audit(record, LocalSource(platform.engine, platform.log_signer.verifier_key()), print)
    except NotFound as error:
        raise LookupError(error.message) from None
    finally:
        platform.close()


@lottery_app.command("verify")
def verify(
    lottery_id: Annotated[str, typer.Argument(metavar="ID", help="The lottery's id.")],
    url: Annotated[
        str | None,
        typer.Option(help="A deployment to check over HTTP; without it, the local database."),
    ] = None,
) -> None:
    """Check a drawn lottery: its commit, close and reveal leaves are in the log and match its
    record, in that order, and the winners follow from the seed by the published rule."""
    import httpx

    from carbonledger.lotteries.audit import AuditError

    try:
        if url:
            _check_served(url, lottery_id)
        else:
            _check_local(lottery_id)
    except (AuditError, LookupError, ValueError, httpx.HTTPError) as error:
        err.print(f"[red]lottery verification failed[/red]: {error}")
        raise typer.Exit(1) from None
    print(f"lottery {lottery_id} verified: the winners are the ones its published seed draws")
