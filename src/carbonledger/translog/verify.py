"""Verifying the log as an outsider would (`carbonledger verify`): check the checkpoint's
signature, recompute every leaf hash and every tile from the entry bundles, compare them with the
served tiles and the signed root, and check consistency with the checkpoint verified last time.

What was verified last is kept per log, in one file per origin in a state directory, so one
machine can verify any number of logs; a new key for an origin already known is refused.

The first discrepancy is named: a leaf index, a tile, or two inconsistent checkpoints.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from carbonledger.translog import merkle, tiles
from carbonledger.translog.checkpoint import Checkpoint, open_checkpoint
from carbonledger.translog.leaves import decode_leaf
from carbonledger.translog.note import NoteError, Verifier, parse_verifier_key


class VerifyError(Exception):
    """The log does not verify; the message names the first bad leaf, tile or checkpoint."""


class Source(Protocol):
    """Where the log is read from: a served deployment or the local database."""

    def checkpoint(self) -> str: ...
    def key(self) -> str: ...
    def bundle(self, index: int, width: int) -> bytes: ...
    def tile(self, level: int, index: int, width: int) -> bytes: ...
    def consistency(self, first: int, size: int) -> list[bytes] | None: ...
    def checkpoints(self) -> list[tuple[int, str]]: ...


@dataclass(frozen=True, slots=True)
class Verified:
    size: int
    root: bytes
    previous: int | None
    checkpoints: int

    def summary(self) -> str:
        text = (
            f"verified: {self.size} leaves, root {base64.b64encode(self.root).decode()}, "
            f"{self.checkpoints} checkpoint(s) signed and consistent"
        )
        if self.previous is not None:
            text += f", consistent with the checkpoint verified before (size {self.previous})"
        return text


def state_file(directory: Path, origin: str) -> Path:
    """Where the state of the log named `origin` is kept: its origin, percent-encoded."""
    return directory / (quote(origin, safe="") + ".json")


def _load_state(path: Path) -> dict[str, object] | None:
    try:
        state: dict[str, object] = json.loads(path.read_text())
        return state
    except FileNotFoundError:
        return None


def _compare_tile(source: Source, level: int, index: int, data: bytes) -> None:
    """Compare one recomputed tile with the source's; name the first bad leaf or the tile."""
    width = len(data) // tiles.HASH_SIZE
    served = source.tile(level, index, width)
    if served == data:
        return
    if level == 0:
        for position in range(width):
            at = slice(position * tiles.HASH_SIZE, (position + 1) * tiles.HASH_SIZE)
            if served[at] != data[at]:
                leaf = index * tiles.TILE_WIDTH + position
                raise VerifyError(
                    f"leaf {leaf}: its hash differs from tile 0/{index} "
                    "(the stored leaf or the tile was changed)"
                )
    first = index * tiles.TILE_WIDTH ** (level + 1)
    raise VerifyError(
        f"tile {level}/{index} (leaves from {first}) differs from the hashes of its leaves; "
        f"first bad leaf index ≥ {first}"
    )


Entries = Callable[[int, list[bytes]], None]


def _bundle_hashes(
    source: Source, index: int, width: int, on_entries: Entries | None = None
) -> list[bytes]:
    """The leaf hashes of one entry bundle, each leaf checked to be a Carbon Ledger leaf."""
    first = index * tiles.TILE_WIDTH
    try:
        entries = tiles.decode_bundle(source.bundle(index, width))
    except ValueError as error:
        raise VerifyError(f"leaf {first}: entry bundle {index} is malformed ({error})") from None
    if len(entries) != width:
        raise VerifyError(
            f"leaf {first + min(len(entries), width)}: entry bundle {index} has "
            f"{len(entries)} entries, not {width}"
        )
    hashes = []
    for offset, entry in enumerate(entries):
        try:
            decode_leaf(entry)
        except ValueError as error:
            raise VerifyError(f"leaf {first + offset}: {error}") from None
        hashes.append(merkle.leaf_hash(entry))
    if on_entries:
        on_entries(first, entries)
    return hashes


def _recompute(
    source: Source,
    size: int,
    wanted: set[int],
    progress: Callable[[int, int], None] | None,
    on_entries: Entries | None = None,
) -> dict[int, bytes]:
    """Rebuild the tree from the entry bundles, comparing every tile on the way; return the
    roots at the `wanted` sizes."""
    roots = {0: merkle.EMPTY_ROOT}
    edge: dict[int, bytes] = {}
    done = 0
    bundles = -(-size // tiles.TILE_WIDTH)
    for index in range(bundles):
        width = min(tiles.TILE_WIDTH, size - done)
        hashes = _bundle_hashes(source, index, width, on_entries)
        # A root at a size inside this bundle needs the tree at exactly that size.
        for cut in sorted(s for s in wanted if done < s <= done + width):
            roots[cut] = tiles.append(done, edge, hashes[: cut - done]).root
        grown = tiles.append(done, edge, hashes)
        # Full tiles never change again: compare each once, when it completes.
        for (level, tile_index), data in sorted(grown.tiles.items()):
            if len(data) == tiles.TILE_WIDTH * tiles.HASH_SIZE:
                _compare_tile(source, level, tile_index, data)
        edge, done = grown.edge, grown.size
        if progress:
            progress(done, size)
    # The partial tiles at the right edge of every level, as they stand at the checkpoint.
    for level, data in sorted(edge.items()):
        if data:
            index = (size >> (tiles.TILE_HEIGHT * level)) // tiles.TILE_WIDTH
            _compare_tile(source, level, index, data)
    return roots


def _check_stored(
    stored: dict[int, str], roots: dict[int, bytes], latest: int, verifier: Verifier
) -> None:
    """Every stored checkpoint up to the latest is signed and names the tree's root then."""
    for size, note in sorted(stored.items()):
        if size > latest:
            continue
        try:
            older, _ = open_checkpoint(note, verifier)
        except NoteError as error:
            raise VerifyError(f"checkpoint at size {size}: {error}") from None
        if older.root != roots[size]:
            raise VerifyError(
                f"checkpoints inconsistent: the one at size {size} does not match the tree "
                f"the latest ({latest}) contains"
            )


def _check_previous(
    source: Source, state: dict[str, object], roots: dict[int, bytes], checkpoint: Checkpoint
) -> int:
    """The checkpoint verified last time is contained in this one; return its size."""
    previous = int(str(state["size"]))
    before = base64.b64decode(str(state["root"]))
    if roots[previous] != before:
        raise VerifyError(
            f"checkpoints inconsistent: size {previous} verified before had another root "
            f"than the tree at size {checkpoint.size} contains"
        )
    if 0 < previous < checkpoint.size:
        proof = source.consistency(previous, checkpoint.size)
        if proof is not None:
            try:
                merkle.verify_consistency(previous, checkpoint.size, proof, before, checkpoint.root)
            except merkle.ProofError as error:
                raise VerifyError(
                    f"checkpoints inconsistent: the served consistency proof "
                    f"{previous}→{checkpoint.size} fails: {error}"
                ) from None
    return previous


def verify(
    source: Source,
    state_dir: Path | None,
    progress: Callable[[int, int], None] | None = None,
    on_entries: Entries | None = None,
) -> Verified:
    """Verify everything up to the latest checkpoint; remember it in `state_dir`, by origin.
    `on_entries(first index, entries)` sees every entry bundle once its leaves are checked."""
    vkey = source.key().strip()
    try:
        verifier = parse_verifier_key(vkey)
    except NoteError as error:
        raise VerifyError(f"the log's key: {error}") from None
    state_path = state_file(state_dir, verifier.name) if state_dir else None
    state = _load_state(state_path) if state_path else None
    if state and state.get("key") != vkey:
        raise VerifyError(
            f"the log {verifier.name} was verified before under the key {state.get('key')}; "
            f"it now presents {vkey}. A log never changes its key: if this is a new log, it "
            "must have a new origin"
        )
    try:
        checkpoint, _ = open_checkpoint(source.checkpoint(), verifier)
    except NoteError as error:
        raise VerifyError(f"checkpoint: {error}") from None
    if state and int(str(state["size"])) > checkpoint.size:
        raise VerifyError(
            f"checkpoints inconsistent: the log shrank from {state['size']} to "
            f"{checkpoint.size} leaves"
        )

    stored = dict(source.checkpoints())
    wanted = {size for size in stored if size <= checkpoint.size} | {checkpoint.size}
    if state:
        wanted.add(int(str(state["size"])))
    roots = _recompute(source, checkpoint.size, wanted, progress, on_entries)
    if roots[checkpoint.size] != checkpoint.root:
        raise VerifyError(
            f"the entries do not produce the checkpoint's root at size {checkpoint.size}; "
            "a leaf was changed"
        )
    _check_stored(stored, roots, checkpoint.size, verifier)
    previous = _check_previous(source, state, roots, checkpoint) if state else None
    if state_path:
        state_path.parent.mkdir(parents=True, exist_ok=True)
        state_path.write_text(
            json.dumps(
                {
                    "origin": checkpoint.origin,
                    "key": vkey,
                    "size": checkpoint.size,
                    "root": base64.b64encode(checkpoint.root).decode(),
                }
            )
        )
    checked = len([s for s in stored if s <= checkpoint.size]) or 1
    return Verified(checkpoint.size, checkpoint.root, previous, checked)
