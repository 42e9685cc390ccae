"""The `carbonledger` command: operator tools, the server, the demo, checks. Every command reads
the same settings (`CARBONLEDGER_*`) and owns its transaction."""

from __future__ import annotations

import sys

import typer

from carbonledger.cli import backup, bulk, log, lottery, operator, points, report, simulator
from carbonledger.cli.audit import audit
from carbonledger.cli.receipt import receipt_app
from carbonledger.market.cli import registry_app

app = typer.Typer(help="Carbon Ledger: a city's carbon-inclusion platform.", no_args_is_help=True)
app.command()(operator.serve)
app.command()(operator.demo)
app.command()(log.verify)
app.command()(log.reconcile)
app.command()(audit)
app.command()(log.reverse)
app.command("log-key")(log.log_key)
app.command()(report.report)
app.command()(backup.backup)
app.command()(backup.restore)
app.command("import")(bulk.import_file)
app.command()(simulator.simulate)
app.add_typer(operator.partner_app, name="partner")
app.add_typer(operator.citizen_app, name="citizen")
app.add_typer(operator.db_app, name="db")
app.add_typer(operator.operator_app, name="operator")
app.add_typer(log.witness_app, name="witness")
app.add_typer(lottery.lottery_app, name="lottery")
app.add_typer(points.points_app, name="points")
app.add_typer(receipt_app, name="receipt")
app.add_typer(registry_app, name="registry")


def main() -> None:
    sys.exit(app())
