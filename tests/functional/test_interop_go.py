"""Interoperability with an independent implementation of the log's specifications: Go's
golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's golang-golang-x-mod-dev), driven by the
small program in tests/interop/checklog, built offline from those sources only. It verifies a
served log (checkpoint signature, every tile and leaf, the proofs we serve against the proofs it
computes, a witness's cosignature), a receipt, and signs a note that our verifier must accept.

Without Go these tests skip, unless CARBONLEDGER_REQUIRE_GO=1 (as in CI) makes that a failure."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from carbonledger import clock, db
from carbonledger.config import Settings
from carbonledger.platform import Platform
from carbonledger.server import in_thread
from carbonledger.translog import proofs, publisher, sequencer
from carbonledger.translog.checkpoint import open_checkpoint
from carbonledger.translog.leaves import Leaf, credit_leaf
from carbonledger.translog.note import parse_verifier_key
from carbonledger.translog.witness_server import WitnessState, create_witness_app, witness_signer
from tests import factories
from tests.served import serve

SOURCE = Path(__file__).parents[1] / "interop" / "checklog"
GOCODE = Path("/usr/share/gocode")
REQUIRE_GO = os.environ.get("CARBONLEDGER_REQUIRE_GO") == "1"
LEAVES = 700  # two full level-0 tiles, a partial one, and a level-1 tile


@pytest.fixture(scope="module")
def checklog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go program, built offline against the packaged x/mod sources only."""
    go = shutil.which("go")
    if go is None or not (GOCODE / "src" / "golang.org" / "x" / "mod" / "sumdb").is_dir():
        reason = "Go and golang-golang-x-mod-dev are not installed"
        if REQUIRE_GO:
            pytest.fail(f"Go is required (CARBONLEDGER_REQUIRE_GO=1) but {reason}")
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("go")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(out),
        "GO111MODULE": "off",
        "GOPATH": str(GOCODE),
        "GOCACHE": str(out / "cache"),
        "GOFLAGS": "",
        "GOPROXY": "off",
        "CGO_ENABLED": "0",
    }
    built = subprocess.run(
        [go, "build", "-o", str(out / "checklog"), "."],
        cwd=SOURCE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    return out / "checklog"


def _go(program: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(program), *args], capture_output=True, text=True, timeout=120, check=False
    )


def _leaves() -> list[bytes]:
    """Leaves of both versions, as a log written before and after v2 holds them."""
    leaves = []
    for n in range(LEAVES):
        fields = {
            "day": date(2026, 11, 1 + n % 28),
            "partner": "metro-line",
            "region": "310104",
            "scenario": "metro",
            "methodology": "metro@2022-08",
            "quantity": 1,
            "unit": "trips",
            "points": 46,
            "reduction_mg": 46_000,
        }
        if n % 3 == 0:
            leaves.append(
                Leaf(
                    v=1,
                    kind="credit",
                    record=f"01OLD{n:021d}",
                    account="b" * 32,
                    time=datetime(2026, 11, 1, tzinfo=UTC),
                    **fields,  # type: ignore[arg-type]
                ).encode()
            )
        else:
            leaves.append(
                credit_leaf(
                    record_id=f"01NEW{n:021d}", pseudonym_key=bytes([n % 256]) * 32, **fields
                )  # type: ignore[arg-type]
            )
    return leaves


@pytest.fixture(scope="module")
def witnessed_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, str, str]]:
    """A served log of LEAVES mixed v1/v2 leaves, cosigned by a witness; its URL and the
    witness's key."""
    root = tmp_path_factory.mktemp("interop")
    platform = Platform.open(Settings(data_dir=root / "data", checkpoint_interval_seconds=3600))
    signer = witness_signer(root / "witness.key", "witness.example")
    log = platform.log_signer.verifier()
    with in_thread(create_witness_app(signer, [log], WitnessState(root / "w.json"))) as witness:
        settings = platform.settings.model_copy(
            update={"witnesses": f"{signer.verifier_key()}={witness}"}
        )
        cosigned = replace(platform, settings=settings)
        leaves = _leaves()
        for start in (0, 300):  # two checkpoints, so the witness checks a consistency proof
            chunk = leaves[start : 300 if start == 0 else LEAVES]
            with db.write(platform.engine) as conn:
                sequencer.append(conn, sequencer.lock(conn), chunk, clock.now())
            assert publisher.publish_and_cosign(cosigned, clock.now()) is not None
        with serve(cosigned, background=False) as url:
            yield cosigned, url, signer.verifier_key()
    platform.close()


def test_go_verifies_the_served_log_tiles_proofs_and_cosignature(
    checklog: Path, witnessed_log: tuple[Platform, str, str]
) -> None:
    _, url, witness = witnessed_log
    done = _go(checklog, "log", url, witness)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"size {LEAVES} signed" in done.stdout
    assert "ok tiles produce the signed root" in done.stdout
    assert f"ok {LEAVES} leaves hash to the tiles" in done.stdout
    assert "ok inclusion proofs" in done.stdout and "ok consistency proofs" in done.stdout
    assert "ok cosigned at" in done.stdout


def test_go_verifies_a_receipt(
    checklog: Path, witnessed_log: tuple[Platform, str, str], tmp_path: Path
) -> None:
    platform, _, witness = witnessed_log
    with db.read(platform.engine) as conn:
        receipt = proofs.receipt(conn, 517)
    assert receipt is not None
    (tmp_path / "r.tlog-proof").write_text(receipt.encode())
    vkey = platform.log_signer.verifier_key()
    done = _go(checklog, "receipt", str(tmp_path / "r.tlog-proof"), vkey, witness)
    assert done.returncode == 0, done.stdout
    assert (
        f"ok receipt of leaf 517 in {platform.settings.log_origin} of size {LEAVES}" in done.stdout
    )
    (tmp_path / "bad.tlog-proof").write_text(receipt.encode().replace("index 517", "index 518"))
    refused = _go(checklog, "receipt", str(tmp_path / "bad.tlog-proof"), vkey)
    assert refused.returncode == 1 and "FAIL: the inclusion proof" in refused.stdout


def test_go_finds_a_changed_leaf(checklog: Path, witnessed_log: tuple[Platform, str, str]) -> None:
    platform, url, _ = witnessed_log
    factories.change_leaf(platform, 300, b'"points":46', b'"points":47')
    try:
        done = _go(checklog, "log", url)
        assert done.returncode == 1
        assert "FAIL: leaf 300 does not hash to its tile's hash" in done.stdout
    finally:
        factories.change_leaf(platform, 300, b'"points":47', b'"points":46')


def test_a_checkpoint_signed_by_go_opens_here(checklog: Path, tmp_path: Path) -> None:
    body = "example.org/golog\n12\n" + "YWJj" * 10 + "YWI=\n"
    (tmp_path / "body").write_text(body)
    done = _go(checklog, "sign", "example.org/golog", str(tmp_path / "body"))
    assert done.returncode == 0, done.stdout
    vkey, note = done.stdout.split("\n", 1)
    checkpoint, _ = open_checkpoint(note, parse_verifier_key(vkey))
    assert (checkpoint.origin, checkpoint.size) == ("example.org/golog", 12)
