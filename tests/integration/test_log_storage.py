"""The stored log on SQLite and PostgreSQL: tiles and proofs agree with the reference tree, and
`verify` names the first bad leaf, tile or checkpoint after a one-byte change."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from carbonledger import clock, db
from carbonledger.platform import Platform
from carbonledger.translog import merkle, proofs, publisher, sequencer
from carbonledger.translog.leaves import Leaf, credit_leaf
from carbonledger.translog.sources import LocalSource
from carbonledger.translog.tables import checkpoints, log_bundles, log_tiles
from carbonledger.translog.verify import VerifyError, verify
from tests import factories
from tests.commands import run
from tests.unit.translog import reference


def _leaf(number: int) -> bytes:
    """Leaves of both versions, alternating, as in a log written before and after v2."""
    record_id = f"01TEST{number:020d}"
    common: dict[str, Any] = {
        "partner": "stepcounter",
        "scenario": "walking",
        "methodology": "walking@2022-08",
        "quantity": 6000 + number,
        "unit": "steps",
        "day": date(2026, 11, 1),
        "reduction_mg": 60_000,
        "region": "310104",
        "points": 60,
    }
    if number % 2:
        return credit_leaf(record_id=record_id, pseudonym_key=bytes(32), **common)
    return Leaf(
        v=1,
        kind="credit",
        record=record_id,
        account="a" * 32,
        time=datetime(2026, 11, 1, tzinfo=UTC),
        **common,
    ).encode()


def _append(platform: Platform, count: int, start: int = 0, batch: int = 97) -> list[bytes]:
    leaves = [_leaf(n) for n in range(start, start + count)]
    for offset in range(0, count, batch):
        with db.write(platform.engine) as conn:
            head = sequencer.lock(conn)
            sequencer.append(conn, head, leaves[offset : offset + batch], clock.now())
    with db.write(platform.engine) as conn:
        publisher.publish(conn, platform, clock.now())
    return leaves


def _source(platform: Platform) -> LocalSource:
    return LocalSource(platform.engine, platform.log_signer.verifier_key())


def test_tiles_and_proofs_match_the_reference(platform: Platform) -> None:
    leaves = _append(platform, 600)
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    with db.read(platform.engine) as conn:
        head = sequencer.head(conn)
        assert head.root == reference.mth(hashes)
        for size in (1, 255, 256, 257, 511, 600):
            assert proofs.root(conn, size) == reference.mth(hashes[:size])
        rng = random.Random(4)
        for _ in range(20):
            size = rng.randint(1, 600)
            index = rng.randrange(size)
            proof = proofs.inclusion(conn, index, size)
            merkle.verify_inclusion(hashes[index], index, size, proof, reference.mth(hashes[:size]))
            first = rng.randint(1, size)
            merkle.verify_consistency(
                first,
                size,
                proofs.consistency(conn, first, size),
                reference.mth(hashes[:first]),
                reference.mth(hashes[:size]),
            )


def test_verify_passes_and_follows_the_log(platform: Platform, tmp_path: Path) -> None:
    _append(platform, 300)
    first = verify(_source(platform), tmp_path / "state")
    assert first.size == 300 and first.previous is None
    _append(platform, 40, start=300)
    second = verify(_source(platform), tmp_path / "state")
    assert second.size == 340 and second.previous == 300
    assert "consistent with the checkpoint verified before (size 300)" in second.summary()


def _flip(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


Tamper = Callable[[Platform], None]


def _tamper_leaf(platform: Platform) -> None:
    factories.change_leaf(platform, 261, b'"points":60', b'"points":61')


def _tamper_tile(level: int, index: int, byte: int) -> Tamper:
    def change(platform: Platform) -> None:
        condition = (log_tiles.c.level == level) & (log_tiles.c.idx == index)
        with db.write(platform.engine) as conn:
            data = conn.execute(select(log_tiles.c.data).where(condition)).scalar_one()
            conn.execute(update(log_tiles).where(condition).values(data=_flip(data, byte)))

    return change


def _tamper_checkpoint(platform: Platform) -> None:
    with db.write(platform.engine) as conn:
        note = (
            conn.execute(select(checkpoints.c.note).order_by(checkpoints.c.size.desc()))
            .scalars()
            .first()
        )
        assert note is not None
        conn.execute(
            update(checkpoints)
            .where(checkpoints.c.note == note)
            .values(note=note.replace("\n300\n", "\n301\n"))
        )


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (_tamper_leaf, "leaf 261"),
        (_tamper_tile(0, 0, 32 * 17 + 3), "leaf 17"),
        (_tamper_tile(0, 1, 32 * 40), "leaf 296"),
        (_tamper_tile(1, 0, 5), "tile 1/0"),
        (_tamper_checkpoint, "checkpoint"),
    ],
)
def test_verify_names_what_was_changed(
    platform: Platform, tmp_path: Path, tamper: Tamper, named: str
) -> None:
    _append(platform, 300)
    verify(_source(platform), None)
    tamper(platform)
    with pytest.raises(VerifyError) as raised:
        verify(_source(platform), None)
    assert named in str(raised.value)


def test_a_rewritten_history_is_inconsistent_with_what_was_verified(
    sqlite_platform: Platform, tmp_path: Path
) -> None:
    platform = sqlite_platform
    _append(platform, 50)
    verify(_source(platform), tmp_path / "state")
    with db.write(platform.engine) as conn:  # the operator rewrites the log and re-signs it
        conn.execute(log_tiles.delete())
        conn.execute(log_bundles.delete())
        conn.execute(checkpoints.delete())
        conn.execute(sequencer.log_state.update().values(size=0, root=merkle.EMPTY_ROOT))
    _append(platform, 60, start=1000)
    with pytest.raises(VerifyError, match="inconsistent"):
        verify(_source(platform), tmp_path / "state")


def test_the_verify_command(tmp_path: Path) -> None:
    from carbonledger.config import Settings

    data_dir = tmp_path / "data"
    platform = Platform.open(Settings(data_dir=data_dir))
    _append(platform, 20)
    good = run(data_dir, "verify")
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith("verified: 20 leaves")
    _tamper_tile(0, 0, 32 * 3)(platform)
    bad = run(data_dir, "verify")
    assert bad.returncode == 1
    assert "leaf 3" in bad.stderr
    platform.close()
