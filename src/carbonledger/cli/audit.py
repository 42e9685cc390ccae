"""`carbonledger audit --url URL`: the dashboard's figures recomputed from the log's entries, as
any outsider can; exits 1 on any difference, naming each."""

from __future__ import annotations

from typing import Annotated

import typer

from carbonledger.cli.common import err


def audit(
    url: Annotated[str, typer.Option(help="The deployment whose dashboard is audited.")],
) -> None:
    """Add up the log's leaves and compare with the public dashboard; exit 1 on a difference."""
    import httpx

    from carbonledger.translog.auditor import audit_url
    from carbonledger.translog.verify import VerifyError

    with err.status("verifying the log and adding up its leaves"):
        try:
            result = audit_url(url)
        except VerifyError as error:
            err.print(f"[red]difference: the log does not verify[/red]: {error}")
            raise typer.Exit(1) from None
        except (LookupError, httpx.HTTPError, KeyError, ValueError) as error:
            err.print(f"[red]the audit could not be made[/red]: {error}")
            raise typer.Exit(2) from None
    totals = result.totals
    print(
        f"log: {totals.leaves} leaves verified under checkpoint {result.checkpoint_size}; "
        f"{totals.total.credits} standing credits, {totals.total.reduction_mg} mg CO2e, "
        f"{totals.total.base_points} base points"
    )
    print(f"compared: {len(result.lines)} figures of the dashboard")
    for line in result.differences:
        err.print(f"[red]difference[/red]: {line.describe()}")
    if result.differences:
        raise typer.Exit(1)
    print("audited: the dashboard agrees with the log")
