"""What every `carbonledger` command shares: the error console, the failure exit and the
operator's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.engine import Connection

from carbonledger import db
from carbonledger.errors import CarbonLedgerError
from carbonledger.platform import Platform

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
