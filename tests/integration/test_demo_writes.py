"""The demo city is built without slow work inside its write transactions: the passwords and
portal keys it makes are hashed, and the partners' signing keys made and saved, before the
transactions that store them (as every route does)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.progress import Progress

from carbonledger.accounts import passwords
from carbonledger.platform import Platform
from carbonledger.simulate import demo
from tests.write_watch import WriteWatch


def test_the_demo_hashes_and_makes_keys_outside_its_write_transactions(
    sqlite_platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = WriteWatch()
    watch.wrap(monkeypatch, passwords, "hash_password")
    watch.wrap(monkeypatch, Ed25519PrivateKey, "generate")
    watch.wrap(monkeypatch, demo, "_save_key")
    with watch.on(sqlite_platform.engine), Progress(disable=True) as progress:
        demo.build(sqlite_platform, demo.DemoSize(citizens=30, days=2, engaged=False), progress)
    assert watch.writes > 10
    assert len(watch.calls["hash_password"]) == 4  # operator, citizen 0, two portal keys
    assert watch.calls["generate"] and watch.calls["_save_key"]
    assert not any(writing for seen in watch.calls.values() for writing in seen), watch.calls
