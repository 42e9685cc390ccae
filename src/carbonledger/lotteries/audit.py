"""Checking a drawn lottery as anyone can (`carbonledger lottery verify`): its commit, close and
reveal leaves are in the log under its signed checkpoint, say what the published record says,
come in that order, and the winners follow from the seed and the entries by the published rule.

The log is read through a `translog.verify.Source` (a deployment over HTTP or the local
database); only the checkpoint's signature is trusted, every leaf is proven included from the
source's tiles. The first mismatch is raised as an AuditError naming it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from carbonledger.points.lottery import LotteryError, LotteryRecord, verify_record
from carbonledger.translog import merkle, tiles
from carbonledger.translog.checkpoint import Checkpoint, open_checkpoint
from carbonledger.translog.leaves import LotteryLeaf, decode_leaf
from carbonledger.translog.note import NoteError, parse_verifier_key
from carbonledger.translog.verify import Source

STAGES = ("commit", "close", "reveal")


class AuditError(Exception):
    """A lottery does not check out; the message names the first mismatch."""


def _tile_width(size: int, level: int, index: int) -> int:
    """How many hashes tile `level/index` holds in the tree of `size` leaves."""
    return min(tiles.TILE_WIDTH, (size >> (tiles.TILE_HEIGHT * level)) - index * tiles.TILE_WIDTH)


def _included_leaf(source: Source, checkpoint: Checkpoint, index: int, stage: str) -> bytes:
    """The leaf at `index`, proven to be in the tree the checkpoint signs."""
    size = checkpoint.size
    if not 0 <= index < size:
        raise AuditError(
            f"the {stage} leaf {index} is not in the log's latest checkpoint (size {size}); "
            "if the step just happened, retry once a checkpoint covers it"
        )
    bundle = index // tiles.TILE_WIDTH
    width = min(tiles.TILE_WIDTH, size - bundle * tiles.TILE_WIDTH)
    leaf = tiles.decode_bundle(source.bundle(bundle, width))[index % tiles.TILE_WIDTH]
    reader = tiles.TileReader(
        size, lambda level, at: source.tile(level, at, _tile_width(size, level, at))
    )
    try:
        proof = merkle.inclusion_proof(index, size, reader.subtree)
        merkle.verify_inclusion(merkle.leaf_hash(leaf), index, size, proof, checkpoint.root)
    except (merkle.ProofError, tiles.TileError) as error:
        raise AuditError(f"the {stage} leaf {index} is not proven in the log: {error}") from None
    return leaf


def _expect(stage: str, index: int, name: str, in_leaf: object, in_record: object) -> None:
    if in_leaf != in_record:
        raise AuditError(
            f"the {stage} leaf {index} publishes {name} {in_leaf!r}, "
            f"but the lottery record says {in_record!r}"
        )


def _window(body: dict[str, Any]) -> tuple[datetime, datetime]:
    try:
        return datetime.fromisoformat(body["opens_at"]), datetime.fromisoformat(body["closes_at"])
    except (KeyError, TypeError, ValueError):
        raise AuditError("the lottery record does not state its entry window") from None


def _check_leaf(
    stage: str, index: int, leaf: LotteryLeaf, record: LotteryRecord, window: tuple[datetime, ...]
) -> None:
    _expect(stage, index, "lottery", leaf.lottery, record.lottery_id)
    _expect(stage, index, "stage", leaf.stage, stage)
    if stage == "commit":
        _expect(stage, index, "commitment", leaf.commitment, record.commitment)
        _expect(stage, index, "terms digest", leaf.terms_digest, record.terms_digest)
        _expect(stage, index, "entry window", (leaf.opens, leaf.closes), window)
    elif stage == "close":
        _expect(stage, index, "entries digest", leaf.entries_digest, record.entries_digest)
        _expect(stage, index, "entry count", leaf.entries, len(record.entries))
        if leaf.time < window[1]:
            raise AuditError(
                f"the close leaf {index} is dated {leaf.time.isoformat()}, before the entry "
                f"window published at commit ended ({window[1].isoformat()})"
            )
    else:
        _expect(stage, index, "seed", leaf.seed, record.seed.hex())


def _leaf_indexes(body: dict[str, Any]) -> dict[str, int]:
    if body.get("status") != "drawn":
        raise AuditError(
            f"lottery {body.get('lottery')} is {body.get('status')}, not drawn: there is no "
            "draw to check until its seed is revealed"
        )
    leaves = body.get("leaves")
    if not isinstance(leaves, dict) or not all(type(leaves.get(s)) is int for s in STAGES):
        raise AuditError("the lottery record does not name its commit, close and reveal leaves")
    return {stage: leaves[stage] for stage in STAGES}


def audit(
    body: dict[str, Any], source: Source, say: Callable[[str], None] = lambda _line: None
) -> LotteryRecord:
    """Check a published lottery record (the JSON of `GET /api/v1/lotteries/{id}`) against the
    log read from `source`; `say` each check as it passes."""
    indexes = _leaf_indexes(body)
    window = _window(body)
    try:
        record = LotteryRecord.decode(json.dumps(body).encode())
    except LotteryError as error:
        raise AuditError(str(error)) from None
    try:
        checkpoint, _ = open_checkpoint(
            source.checkpoint(), parse_verifier_key(source.key().strip())
        )
    except NoteError as error:
        raise AuditError(f"the log's checkpoint: {error}") from None
    say(f"checkpoint: size {checkpoint.size}, signature valid")
    for stage in STAGES:
        index = indexes[stage]
        try:
            leaf = decode_leaf(_included_leaf(source, checkpoint, index, stage))
        except ValueError as error:
            raise AuditError(f"the {stage} leaf {index}: {error}") from None
        if not isinstance(leaf, LotteryLeaf):
            raise AuditError(f"the {stage} leaf {index} is a {leaf.kind}, not a lottery leaf")
        _check_leaf(stage, index, leaf, record, window)
        say(f"{stage} leaf {index}: in the log and matching the record")
    if not indexes["commit"] < indexes["close"] < indexes["reveal"]:
        raise AuditError(
            "the leaves are out of order: the commitment must precede the close and the close "
            f"the reveal, but they are at {indexes['commit']}, {indexes['close']} and "
            f"{indexes['reveal']}"
        )
    say("order: commitment before close before reveal")
    try:
        verify_record(record)
    except LotteryError as error:
        raise AuditError(str(error)) from None
    say(
        f"draw: {len(record.winners)} winner(s) recomputed from the seed and "
        f"{len(record.entries)} entries by the published rule"
    )
    return record
