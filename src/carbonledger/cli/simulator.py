"""`carbonledger simulate`: one or several partners sending the synthetic city's behaviour over
signed HTTP to any deployment, one thread each, then a summary of what came back."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from carbonledger import clock
from carbonledger.cli.common import err, fail
from carbonledger.config import Settings
from carbonledger.errors import CarbonLedgerError, InvalidInput
from carbonledger.ids import random_code
from carbonledger.simulate.demo import CITY_FILE, load_partner_key
from carbonledger.simulate.partners import Behaviour, SimulatedPartner, run_all
from carbonledger.simulate.sender import Pace
from carbonledger.simulate.tally import STATUSES, Tally
from carbonledger.simulate.traffic import DEMO_SEED, is_city_partner, profile_of

_RUN_TAG = re.compile(r"^[A-Za-z0-9_-]{1,32}$")  # external ids stay within 128 characters
_WORDS = frozenset({"partner", "status", "reason"})


def _key(path: Path) -> Ed25519PrivateKey:
    try:
        return load_partner_key(path)
    except (OSError, ValueError, TypeError) as error:
        raise InvalidInput(f"{path}: not an Ed25519 PEM key ({error})", code="bad_key") from None


def choose_partners(
    partners: list[str], keys: list[Path], key_dir: Path | None, kinds: list[str]
) -> list[SimulatedPartner]:
    """The partners of a run, from --partner/--key pairs and a directory of <id>.pem keys."""
    if len(partners) != len(keys):
        raise InvalidInput("give one --key for each --partner, in the same order", code="bad_keys")
    pairs = list(zip(partners, keys, strict=True))
    if key_dir is not None:
        # A directory such as the demo's data/partners/ also holds merchants, which send none.
        found = sorted(key_dir.glob("*.pem"))
        pairs += [(path.stem, path) for path in found if kinds or is_city_partner(path.stem)]
    if not pairs:
        raise InvalidInput("name partners with --partner and --key, or --keys DIR", code="bad_keys")
    if len(kinds) not in {0, 1, len(pairs)}:
        raise InvalidInput("give --kind once for all partners, or once each", code="bad_kind")
    each: list[str | None] = (
        [*kinds] if len(kinds) > 1 else [kinds[0] if kinds else None] * len(pairs)
    )
    return [
        SimulatedPartner(partner_id, profile_of(partner_id, kind).id, _key(path))
        for (partner_id, path), kind in zip(pairs, each, strict=True)
    ]


def city_of(key_dir: Path | None, seed: int | None, citizens: int | None) -> tuple[int, int]:
    """The city to simulate: as given, else as the deployment's demo described it in
    `DIR/city.json` beside the partners' keys. Its size is never guessed: the records must name
    users the deployment linked."""
    described: dict[str, int] = {}
    if key_dir is not None and (key_dir / CITY_FILE).is_file():
        described = json.loads((key_dir / CITY_FILE).read_text("utf-8"))
    citizens = citizens or described.get("citizens")
    if citizens is None:
        raise InvalidInput(
            "give --citizens: how many people the deployment's synthetic city has "
            f"(the demo writes it in data/partners/{CITY_FILE}, read with --keys data/partners)",
            code="bad_city",
        )
    return (seed if seed is not None else described.get("seed", DEMO_SEED)), citizens


def _table(title: str, columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Table:
    table = Table(title=title)
    for name in columns:
        table.add_column(name, justify="left" if name in _WORDS else "right")
    for row in rows:
        table.add_row(*row)
    return table


def print_summary(tallies: list[Tally], run: str) -> None:
    """What came back, per partner and for all: results, then timing, then the reasons."""
    everyone = Tally.combined(tallies)
    shown = [*tallies, everyone] if len(tallies) > 1 else tallies
    out = Console(soft_wrap=True)
    results = [
        (t.partner_id, str(t.records), *(str(t.statuses[s]) for s in STATUSES), str(t.replayed))
        for t in shown
    ]
    out.print(_table(f"simulate run {run}", ("partner", "records", *STATUSES, "replayed"), results))
    timing = [
        (
            t.partner_id,
            str(t.batches),
            str(t.retries),
            *(f"{t.percentile(share):,.0f}" for share in (0.5, 0.95, 0.99)),
            f"{t.rate:,.0f}",
        )
        for t in shown
    ]
    columns = ("partner", "batches", "retries", "p50 ms", "p95 ms", "p99 ms", "records/s")
    out.print(_table("batch latency and throughput", columns, timing))
    reasons = [
        (status, reason, str(count)) for (status, reason), count in sorted(everyone.reasons.items())
    ]
    if reasons:
        out.print(_table("results by reason", ("status", "reason", "records"), reasons))


def simulate(
    url: Annotated[str, typer.Option(help="The deployment, e.g. http://127.0.0.1:8000.")],
    partner: Annotated[
        list[str] | None, typer.Option(help="A partner to send as (repeatable, with --key).")
    ] = None,
    key: Annotated[
        list[Path] | None, typer.Option(help="That partner's Ed25519 key, PEM (repeatable).")
    ] = None,
    keys: Annotated[
        Path | None,
        typer.Option(
            file_okay=False, help="A directory of <partner>.pem keys (the demo's data/partners)."
        ),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(help="The synthetic partner whose behaviour to send, e.g. bikeshare."),
    ] = None,
    rate: Annotated[
        float, typer.Option(min=0, help="Records a second per partner; 0 sends unpaced.")
    ] = 100,
    days: Annotated[
        int, typer.Option(min=1, help="Days of behaviour: what happened in the last D × 24 h.")
    ] = 1,
    records: Annotated[
        int | None, typer.Option(min=1, help="Stop each partner after this many records.")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Records per request.")] = 100,
    citizens: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="People of the synthetic city (default: from DIR/city.json, as the demo writes).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="The city's seed (default: DIR/city.json's, else the demo's)."),
    ] = None,
    run: Annotated[
        str | None, typer.Option(help="Tag of the external ids; repeat one to resend its records.")
    ] = None,
    retries: Annotated[int, typer.Option(min=0, help="Retries of a batch before giving up.")] = 5,
) -> None:
    """Send realistic signed batches as one or more partners, then summarise the answers."""
    tag = run or random_code(6).lower()
    try:
        if not _RUN_TAG.match(tag):
            raise InvalidInput("--run must be 1 to 32 of A-Z, a-z, 0-9, _ and -", code="bad_run")
        chosen = choose_partners(partner or [], key or [], keys, kind or [])
        seed, citizens = city_of(keys, seed, citizens)
    except CarbonLedgerError as error:
        fail(error)
    behaviour = Behaviour(seed, citizens, days, tag, Settings().zone, clock.now())
    pace = Pace(rate, batch_size, records, retries)
    with Progress(console=err, disable=not err.is_terminal) as bar:
        tasks = {p.partner_id: bar.add_task(p.partner_id, total=records) for p in chosen}
        tallies, stopped = run_all(
            url,
            chosen,
            behaviour,
            pace,
            lambda tally: bar.update(tasks[tally.partner_id], completed=tally.records),
        )
    if stopped:
        err.print("stopped: each partner finished the batch in flight")
    print_summary(tallies, tag)
    failed = [t for t in tallies if t.failure]
    for tally in failed:
        err.print(f"[red]{tally.partner_id} stopped[/red]: {tally.failure}")
    if failed:
        raise typer.Exit(1)
    if stopped:
        raise typer.Exit(130)
