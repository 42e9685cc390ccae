"""`carbonledger partner portal-key` as an operator runs it: it prints a fresh access key once,
which logs the partner's staff in to the portal, and the previous key stops working."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonledger import clock
from carbonledger.accounts import auth
from carbonledger.config import Settings
from carbonledger.ingest.signing import public_key_b64
from carbonledger.platform import Platform
from tests.commands import run


def test_the_operator_issues_a_portal_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    key = public_key_b64(Ed25519PrivateKey.generate())
    assert (
        run(
            data_dir, "partner", "add", "mobike", "--name", "Mobike", "--public-key", key
        ).returncode
        == 0
    )
    first = run(data_dir, "partner", "portal-key", "mobike")
    second = run(data_dir, "partner", "portal-key", "mobike")
    unknown = run(data_dir, "partner", "portal-key", "nobody")
    assert first.returncode == second.returncode == 0, first.stderr
    assert (unknown.returncode, "unknown_partner" in unknown.stderr) == (1, True)
    platform = Platform.open(Settings(data_dir=data_dir))
    try:
        engine, keys, now = platform.engine, platform.keys, clock.now()
        stale = auth.log_in(engine, keys, "partner", "mobike", first.stdout, "::1", now, 1)
        fresh = auth.log_in(engine, keys, "partner", "mobike", second.stdout, "::1", now, 1)
    finally:
        platform.close()
    assert stale is None
    assert fresh is not None and fresh[1].kind == "partner"
