"""`carbonledger receipt verify`: check a credit's receipt offline, with nothing but the log's
verifier key (and, optionally, the keys of witnesses whose cosignatures it must carry)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from carbonledger.cli.common import err

receipt_app = typer.Typer(help="Receipts of credits (C2SP tlog-proof).", no_args_is_help=True)


@receipt_app.command("verify")
def verify_receipt(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The receipt (.tlog-proof).")],
    key: Annotated[str, typer.Option(help="The log's verifier key, as /log/key serves it.")],
    witness: Annotated[
        list[str] | None,
        typer.Option(help="A witness's verifier key whose cosignature is required (repeatable)."),
    ] = None,
) -> None:
    """Check that the receipt's leaf is in the log the key names, under a checkpoint it signed."""
    from carbonledger.translog.leaves import Leaf
    from carbonledger.translog.note import NoteError, parse_verifier_key
    from carbonledger.translog.receipts import ReceiptError
    from carbonledger.translog.receipts import verify_receipt as check

    try:
        log = parse_verifier_key(key)
        witnesses = [parse_verifier_key(vkey) for vkey in witness or []]
    except NoteError as error:
        err.print(f"[red]a key is not valid[/red]: {error}")
        raise typer.Exit(2) from None
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        err.print(f"[red]cannot read {file}[/red]: {error}")
        raise typer.Exit(2) from None
    try:
        checked = check(text, log, witnesses)
    except ReceiptError as error:
        err.print(f"[red]the receipt does not verify[/red]: {error}")
        raise typer.Exit(1) from None
    missing = sorted({w.name for w in witnesses} - {name for name, _ in checked.cosigned})
    if missing:
        err.print(f"[red]the receipt lacks the cosignature of[/red] {', '.join(missing)}")
        raise typer.Exit(1)
    leaf = checked.leaf
    print(
        f"verified: leaf {checked.index} of {checked.checkpoint.origin}, "
        f"in the tree of {checked.checkpoint.size} leaves the log signed"
    )
    if isinstance(leaf, Leaf):
        print(
            f"{leaf.kind}: {leaf.scenario} {leaf.quantity:g} {leaf.unit} on {leaf.day}, "
            f"{leaf.reduction_mg} mg CO2e, {leaf.points} points, partner {leaf.partner}, "
            f"methodology {leaf.methodology}"
        )
    for name, timestamp in checked.cosigned:
        print(f"cosigned by {name} at {timestamp} (Unix time)")
