"""`carbonledger registry …` commands that anyone outside the operator runs: a verifier makes
its key and signs a lot's manifest with it (`keygen`, `sign`), locally or over HTTP; anyone
checks the registry against the log (`verify`), a certificate's receipt (`check-receipt`), and
writes a certificate or an export."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from carbonledger import clock
from carbonledger.cli.common import err, fail


def keygen(out: Annotated[Path, typer.Option(help="Where to keep the new private key.")]) -> None:
    """Make a verifier's key; print the public key to register."""
    from carbonledger.market.signing import new_seed, public_key

    if out.exists():
        err.print(f"[red]error[/red]: {out} exists; choose another file")
        raise typer.Exit(1)
    seed = new_seed()
    out.write_text(base64.b64encode(seed).decode() + "\n")
    out.chmod(0o600)
    print(base64.b64encode(public_key(seed)).decode())


def _manifest(url: str | None, lot: int) -> dict[str, Any]:
    if url:
        import httpx

        response = httpx.get(f"{url.rstrip('/')}/api/v1/market/lots/{lot}/manifest", timeout=30)
        if response.status_code != 200:
            err.print(f"[red]error[/red]: {response.text}")
            raise typer.Exit(1)
        body: dict[str, Any] = response.json()
        return body
    from carbonledger import db
    from carbonledger.market.lots import get_lot, manifest_of
    from carbonledger.platform import Platform

    platform = Platform.open()
    try:
        with db.read(platform.engine) as conn:
            return manifest_of(get_lot(conn, lot)).to_json()
    finally:
        platform.close()


def sign(
    lot: Annotated[int, typer.Argument(help="The lot's number.")],
    verifier: Annotated[str, typer.Option(help="The verifier's registered id.")],
    key: Annotated[Path, typer.Option(help="The verifier's private key file (from `keygen`).")],
    url: Annotated[str | None, typer.Option(help="The deployment; without it, local.")] = None,
) -> None:
    """Sign a lot's manifest with the verifier's own key and submit the signature."""
    import httpx

    from carbonledger.errors import CarbonLedgerError
    from carbonledger.market.manifest import Manifest
    from carbonledger.market.signing import BadSignature, decode_key
    from carbonledger.market.signing import sign as sign_manifest

    body = _manifest(url, lot)
    print(json.dumps(body, indent=2, ensure_ascii=False))
    try:
        seed = decode_key(key.read_text(), "private key")
    except (OSError, BadSignature) as error:
        err.print(f"[red]error[/red]: {error}")
        raise typer.Exit(1) from None
    signature = base64.b64encode(sign_manifest(seed, Manifest.from_json(body))).decode()
    if url:
        response = httpx.post(
            f"{url.rstrip('/')}/api/v1/market/lots/{lot}/signatures",
            json={"verifier": verifier, "signature": signature},
            timeout=30,
        )
        if response.status_code != 201:
            err.print(f"[red]error[/red]: {response.text}")
            raise typer.Exit(1)
    else:
        from carbonledger import db
        from carbonledger.market.verifiers import check, store
        from carbonledger.platform import Platform

        platform = Platform.open()
        try:
            with db.read(platform.engine) as conn:
                checked = check(conn, lot, verifier, signature)
            with db.write(platform.engine) as conn:
                store(conn, lot, verifier, checked, clock.now())
        except CarbonLedgerError as error:
            fail(error)
        finally:
            platform.close()
    print(f"lot {lot} signed by {verifier}")


def certificate(
    retirement: Annotated[str, typer.Argument(help="The retirement's id.")],
    out: Annotated[Path, typer.Option(help="Where to write the PDF.")],
) -> None:
    """Write a retirement's certificate (PDF)."""
    from carbonledger import db
    from carbonledger.errors import CarbonLedgerError
    from carbonledger.market.certificates import certificate as build
    from carbonledger.platform import Platform

    platform = Platform.open()
    try:
        with db.read(platform.engine) as conn:
            out.write_bytes(build(conn, retirement, platform.settings.report_font))
    except CarbonLedgerError as error:
        fail(error)
    finally:
        platform.close()
    print(f"wrote {out}")


def check_receipt(
    file: Annotated[Path, typer.Argument(help="A retirement's JSON with its receipt.")],
    url: Annotated[str | None, typer.Option(help="Take the log's key from a deployment.")] = None,
) -> None:
    """Check that a retirement's receipt proves its leaf under a signed checkpoint."""
    import httpx

    from carbonledger.market.receipt import check

    body = json.loads(file.read_text())
    if url:
        key = httpx.get(f"{url.rstrip('/')}/log/key", timeout=30).text
    else:
        from carbonledger.platform import Platform

        platform = Platform.open()
        key = platform.log_signer.verifier_key()
        platform.close()
    try:
        leaf = check(body.get("receipt", body), key)
    except (ValueError, KeyError) as error:
        err.print(f"[red]receipt does not verify[/red]: {error}")
        raise typer.Exit(1) from None
    print(f"receipt verified: {leaf.units} unit(s) of {leaf.lot} retired for {leaf.purpose}")


def verify(
    url: Annotated[
        str | None,
        typer.Option(help="A deployment to verify over HTTP; without it, the local database."),
    ] = None,
) -> None:
    """Check every lot, signature, serial and retirement against the public log."""
    import httpx

    from carbonledger.market.audit import Registry, audit
    from carbonledger.market.sources import HttpRegistry, LocalRegistry
    from carbonledger.platform import Platform
    from carbonledger.translog.sources import HttpSource, LocalSource
    from carbonledger.translog.verify import VerifyError

    platform: Platform | None = None
    source: HttpSource | LocalSource
    registry: Registry
    if url:
        source, registry = HttpSource(url), HttpRegistry(url)
    else:
        platform = Platform.open()
        source = LocalSource(platform.engine, platform.log_signer.verifier_key())
        registry = LocalRegistry(platform.engine)
    try:
        result = audit(source, registry)
    except (VerifyError, LookupError, httpx.HTTPError, ValueError) as error:
        err.print(f"[red]registry verification failed[/red]: {error}")
        raise typer.Exit(1) from None
    finally:
        if isinstance(source, HttpSource):
            source.close()
        if isinstance(registry, HttpRegistry):
            registry.close()
        if platform is not None:
            platform.close()
    if result.problems:
        err.print(f"[red]registry verification failed[/red]: {result.problems[0]}")
        for problem in result.problems[1:]:
            err.print(f"  also: {problem}")
        raise typer.Exit(1)
    print(result.summary())


def export(
    name: Annotated[str, typer.Argument(help="lot-N.csv, lot-N.json, retirements.csv or .json")],
    out: Annotated[Path, typer.Option(help="Where to write it.")],
) -> None:
    """Export a lot or the retirements for an exchange's registry."""
    from carbonledger import db
    from carbonledger.errors import CarbonLedgerError
    from carbonledger.market.exports import export as build
    from carbonledger.platform import Platform

    platform = Platform.open()
    try:
        with db.read(platform.engine) as conn:
            data, _media = build(conn, name)
    except CarbonLedgerError as error:
        fail(error)
    finally:
        platform.close()
    out.write_bytes(data)
    print(f"wrote {out}")
