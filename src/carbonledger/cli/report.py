"""`carbonledger report`: the government's monthly report as a PDF, XLSX or CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from carbonledger import clock, db
from carbonledger.cli.common import err, fail
from carbonledger.errors import CarbonLedgerError
from carbonledger.platform import Platform


def report(
    month: Annotated[str, typer.Option(help="The month, as YYYY-MM.")],
    file_format: Annotated[
        str, typer.Option("--format", help="pdf (with charts), xlsx (a sheet per section) or csv.")
    ] = "pdf",
    region: Annotated[
        str | None, typer.Option(help="Only the districts under this code (2-6 digits).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="The file to write; by default named after the month.")
    ] = None,
) -> None:
    """Write the monthly report: totals, by scenario, district and partner, participants, the
    points flow, trends, and the latest signed checkpoint of the log as proof."""
    from carbonledger.reports import service
    from carbonledger.translog.publisher import publish_and_cosign

    platform = Platform.open()
    try:
        # Sign the log's newest leaves first, so the proof covers every credit counted.
        publish_and_cosign(platform, clock.now())
        with db.read(platform.engine) as conn:
            made = service.monthly(conn, platform, month, region, clock.now())
        content = service.render(made, platform, file_format)
    except CarbonLedgerError as error:
        fail(error)
    finally:
        platform.close()
    target = output or Path(service.filename(made, file_format))
    target.write_bytes(content)
    [total] = made.totals.rows
    err.print(
        f"{made.label}{' region ' + made.region if made.region else ''}: "
        f"{total.values['accepted']:,} credits, {total.values['participants']:,} participants"
    )
    print(target)
