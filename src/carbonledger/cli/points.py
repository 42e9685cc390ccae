"""Points commands: the expiry job on demand (the server also runs it once a day)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from carbonledger import clock
from carbonledger.cli.common import err, operator_transaction

points_app = typer.Typer(help="Green points: expiry.", no_args_is_help=True)


@points_app.command("expire")
def expire(
    today: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="The local day to expire as of (YYYY-MM-DD); default: today in the city.",
        ),
    ] = None,
) -> None:
    """Move the points that are due to expire (those earned two calendar years or more before
    TODAY) from each citizen to the expired account. Running it again expires nothing more."""
    from carbonledger.points.expiry import ExpiryError
    from carbonledger.points.expiry_job import run

    now = clock.now()
    try:
        with operator_transaction() as (platform, conn):
            zone = platform.settings.zone
            day: date = today.date() if today else now.astimezone(zone).date()
            done = run(conn, day, zone, now)
    except ExpiryError as error:
        err.print(f"[red]error[/red]: {error}; run `carbonledger reconcile`")
        raise typer.Exit(1) from None
    print(f"{done.day.isoformat()}: {done.points} points expired, from {done.citizens} citizen(s)")
