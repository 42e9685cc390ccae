"""`carbonledger import`: a data partner's records from a JSON Lines or CSV file through the
pipeline, with a progress bar, a summary and the rejected rows written to a file. Interrupted, the
same command resumes where the committed batches end (records are idempotent by external_id)."""

from __future__ import annotations

import signal
from pathlib import Path
from types import FrameType
from typing import IO, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from carbonledger.cli.common import err, fail
from carbonledger.errors import CarbonLedgerError, InvalidInput
from carbonledger.ingest.filerows import CountingLines, FileFormatError, format_of, rows
from carbonledger.ingest.importer import ImportSummary, Rejection, import_rows
from carbonledger.ingest.results import Status
from carbonledger.platform import Platform

_STATUSES = tuple(status.value for status in Status)


class _CtrlC:
    """The first Ctrl-C asks the import to stop where the batch in progress ends, so no
    database call is cut short; a second one stops at once."""

    def __init__(self) -> None:
        self.asked = False

    def __call__(self, _signal: int, _frame: FrameType | None) -> None:
        if self.asked:
            raise KeyboardInterrupt
        self.asked = True
        err.print("stopping after the batch in progress (Ctrl-C again to stop at once)")

    def stop(self) -> bool:
        return self.asked


class _RejectedFile:
    """This run's rejected rows as JSON Lines, written from the first one on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._handle: IO[str] | None = None

    def write(self, rejection: Rejection) -> None:
        if self._handle is None:
            self._handle = self.path.open("w", encoding="utf-8")
        self._handle.write(rejection.to_json() + "\n")
        self.count += 1

    def close(self, finished: bool) -> None:
        if self._handle is not None:
            self._handle.close()
        elif finished:
            # A whole file read without a rejection: a list left by an earlier run is stale.
            self.path.unlink(missing_ok=True)


def _print_summary(summary: ImportSummary, rejected: _RejectedFile) -> None:
    table = Table(title="import interrupted" if summary.stopped else "import finished")
    for column in (*_STATUSES, "replayed", "rows", "records/s"):
        table.add_column(column, justify="right")
    table.add_row(
        *(str(summary.statuses[s]) for s in _STATUSES),
        str(summary.replayed),
        str(summary.rows),
        f"{summary.rate:,.0f}",
    )
    Console(soft_wrap=True).print(table)
    print(f"run {summary.run_id}: every row up to line {summary.last_line} is done")
    if rejected.count:
        print(f"{rejected.count} rejected rows with their reasons in {rejected.path}")


def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", exists=True, dir_okay=False, help="JSON Lines, or CSV with a header."
        ),
    ],
    partner: Annotated[str, typer.Option(help="The data partner whose records these are.")],
    rejected: Annotated[
        Path | None,
        typer.Option(help="Where the rejected rows go (default: FILE.rejected.jsonl)."),
    ] = None,
    file_format: Annotated[
        str | None,
        typer.Option("--format", help="jsonl or csv (default: from the file name)."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, help="Records per transaction (at most the batch limit).")
    ] = 1000,
) -> None:
    """Import a partner's records from a file; run it again to resume after an interruption."""
    platform = Platform.open()
    out = _RejectedFile(rejected or file.with_name(file.name + ".rejected.jsonl"))
    summary = ImportSummary("")
    finished = False
    ctrl_c = _CtrlC()
    previous = signal.signal(signal.SIGINT, ctrl_c)
    columns = (
        TextColumn("{task.fields[rows]:>10,} rows"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[rate]:>8,.0f} records/s"),
        TimeRemainingColumn(),
    )
    try:
        if batch_size > platform.settings.max_batch_records:
            raise InvalidInput(
                f"--batch-size may be at most {platform.settings.max_batch_records} "
                "(CARBONLEDGER_MAX_BATCH_RECORDS)",
                code="invalid_batch_size",
            )
        chosen = format_of(file.name, file_format)
        with (
            file.open("rb") as stream,
            Progress(*columns, console=err, disable=not err.is_terminal) as progress,
        ):
            lines = CountingLines(stream)
            task = progress.add_task("import", total=file.stat().st_size, rows=0, rate=0.0)

            def advance(done: ImportSummary) -> None:
                nonlocal summary
                summary = done
                progress.update(task, completed=lines.bytes_read, rows=done.rows, rate=done.rate)
                if not err.is_terminal:  # a log gets a line per committed batch instead
                    err.print(f"imported through line {done.last_line}: {done.rows} rows")

            summary = import_rows(
                platform,
                partner,
                rows(lines, chosen),
                batch_size=batch_size,
                on_rejected=out.write,
                on_batch=advance,
                stop=ctrl_c.stop,
            )
        finished = not summary.stopped
    except FileFormatError as error:
        err.print(f"[red]error[/red]: {file}: {error}")
        raise typer.Exit(1) from None
    except CarbonLedgerError as error:
        fail(error)
    except KeyboardInterrupt:
        summary.stopped = True
    finally:
        signal.signal(signal.SIGINT, previous)
        out.close(finished)
        platform.close()
    _print_summary(summary, out)
    if summary.stopped:
        err.print("interrupted: run the same command again to resume")
        raise typer.Exit(130)
