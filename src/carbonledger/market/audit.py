"""`carbonledger registry verify`: the registry checked against the public log, as anyone can.

1. The log's latest checkpoint is signed by the log's key, and its entries up to it hash to
   its root (so every leaf read below is the log's; `carbonledger verify` checks the rest of
   the log: tiles and the consistency of every checkpoint).
2. Every lot: each named leaf is a credit, under the lot's checkpoint, with the grams listed;
   the count, total and leaf digest equal the manifest; the checkpoint's root is the tree's at
   that size; no leaf is in two lots; a reversed credit of an issued lot is covered by cancelled
   units at least its size.
3. Every verifier signature verifies under the verifier's registered key; an issued lot has one.
4. Units: an issued lot issued `total // unit` units with the buffer share, its ranges cover
   1 … units once (no serial held twice).
5. Every retirement matches its leaf (lot, serials, units, purpose, beneficiary), its ranges are
   held by the retired account, and no serial is retired twice; every retirement leaf in the
   log is a retirement of the registry.

Problems are listed in that order; the first one is the one to look at.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from carbonledger.market import signing
from carbonledger.market.leaf import RetirementLeaf
from carbonledger.market.manifest import Manifest, leaves_digest
from carbonledger.market.reconcile import lot_span_problems
from carbonledger.market.units import Span, buffer_units, overlaps, parse_serial
from carbonledger.translog import merkle, tiles
from carbonledger.translog.checkpoint import open_checkpoint
from carbonledger.translog.leaves import Leaf, decode_leaf
from carbonledger.translog.note import NoteError, parse_verifier_key
from carbonledger.translog.verify import Source, VerifyError

_KIND = re.compile(rb'"kind":"([a-z]+)"')
_AMOUNT = re.compile(rb'"reduction_mg":(-?[0-9]+)')


class Registry(Protocol):
    """Where the registry is read: the local database or a deployment's public routes."""

    def document(self) -> dict[str, Any]: ...
    def leaves(self, number: int) -> list[tuple[int, int]]: ...


@dataclass
class Audit:
    lots: int = 0
    credits: int = 0
    retirements: int = 0
    log_size: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"registry verified: {self.lots} lot(s) of {self.credits} credit(s) against a log "
            f"of {self.log_size} leaves, {self.retirements} retirement(s) matching their leaves"
        )


@dataclass
class _Scan:
    """What one pass over the log's leaves found."""

    credits: dict[int, tuple[int, bytes]] = field(default_factory=dict)  # index → (mg, hash)
    not_credits: dict[int, str] = field(default_factory=dict)
    reversed: set[int] = field(default_factory=set)
    retirements: dict[int, RetirementLeaf] = field(default_factory=dict)
    roots: dict[int, bytes] = field(default_factory=dict)


def _scan(source: Source, size: int, named: set[int], cuts: set[int]) -> _Scan:
    """One pass over the entries up to `size`: the named credits, the reversals and the
    retirements, and the tree's root at each of `cuts`."""
    found = _Scan()
    edge: dict[int, bytes] = {}
    done = 0
    for index in range(-(-size // tiles.TILE_WIDTH)):
        width = min(tiles.TILE_WIDTH, size - done)
        entries = tiles.decode_bundle(source.bundle(index, width))
        if len(entries) != width:
            raise LookupError(f"entry bundle {index} holds {len(entries)} leaves, not {width}")
        hashes = [merkle.leaf_hash(entry) for entry in entries]
        for offset, entry in enumerate(entries):
            at = done + offset
            kind = _KIND.search(entry)
            if at in named:
                # Canonical JSON escapes every quote inside a value, so these patterns can
                # only match the leaf's own keys; a million full decodes would cost seconds.
                amount = _AMOUNT.search(entry)
                if kind and kind.group(1) == b"credit" and amount:
                    found.credits[at] = (int(amount.group(1)), hashes[offset])
                else:
                    found.not_credits[at] = kind.group(1).decode() if kind else "unreadable leaf"
            elif kind and kind.group(1) in (b"reversal", b"retirement"):
                leaf = decode_leaf(entry)
                if isinstance(leaf, RetirementLeaf):
                    found.retirements[at] = leaf
                elif isinstance(leaf, Leaf) and leaf.reverses is not None:
                    found.reversed.add(leaf.reverses)
        for cut in sorted(c for c in cuts if done < c <= done + width):
            found.roots[cut] = tiles.append(done, edge, hashes[: cut - done]).root
        grown = tiles.append(done, edge, hashes)
        edge, done = grown.edge, grown.size
    return found


def _lot_problems(lot: dict[str, Any], leaves: list[tuple[int, int]], scan: _Scan) -> list[str]:
    manifest = Manifest.from_json(lot["manifest"])
    name = f"lot {manifest.lot}"
    problems = []
    for index, mg in leaves:
        if index >= manifest.checkpoint_size:
            return [f"{name}: leaf {index} lies beyond its checkpoint ({manifest.checkpoint_size})"]
        if index in scan.not_credits:
            return [f"{name}: leaf {index} is a {scan.not_credits[index]}, not a credit"]
        if index not in scan.credits:
            return [f"{name}: leaf {index} is not in the log"]
        if scan.credits[index][0] != mg:
            return [f"{name}: leaf {index} credits {scan.credits[index][0]} mg, the lot lists {mg}"]
    if len(leaves) != manifest.credits:
        problems.append(f"{name}: lists {len(leaves)} credits, the manifest {manifest.credits}")
    if sum(mg for _, mg in leaves) != manifest.total_mg:
        problems.append(
            f"{name}: its credits total {sum(mg for _, mg in leaves)} mg, the "
            f"manifest {manifest.total_mg}"
        )
    digest = leaves_digest((index, scan.credits[index][1]) for index, _ in leaves)
    if digest != manifest.leaves_digest:
        problems.append(f"{name}: the leaves do not produce the manifest's digest")
    if scan.roots.get(manifest.checkpoint_size) != manifest.checkpoint_root:
        problems.append(f"{name}: its checkpoint's root is not the log's at that size")
    covered = {c["leaf_index"]: c for c in lot["cover"]}
    for index, mg in leaves:
        if index in scan.reversed and lot["status"] == "issued":
            cover = covered.get(index)
            if cover is None or cover["units"] * manifest.unit_mg < mg:
                problems.append(
                    f"{name}: credit {index} was reversed and is not covered by "
                    "cancelled buffer units"
                )
    return problems


def _signature_problems(lot: dict[str, Any], keys: dict[str, bytes]) -> list[str]:
    manifest = Manifest.from_json(lot["manifest"])
    problems = []
    for entry in lot["signatures"]:
        key = keys.get(entry["verifier"])
        if key is None:
            problems.append(f"lot {manifest.lot}: signed by unregistered {entry['verifier']}")
            continue
        try:
            signing.check(key, manifest, base64.b64decode(entry["signature"]))
        except signing.BadSignature:
            problems.append(f"lot {manifest.lot}: {entry['verifier']}'s signature does not verify")
    if lot["status"] == "issued" and not lot["signatures"]:
        problems.append(f"lot {manifest.lot} was issued without a verifier's signature")
    return problems


def _unit_problems(lot: dict[str, Any], holdings: list[dict[str, Any]]) -> list[str]:
    manifest = Manifest.from_json(lot["manifest"])
    if lot["status"] != "issued":
        return [f"lot {manifest.lot} is not issued but has units"] if holdings else []
    units = manifest.total_mg // manifest.unit_mg
    if lot["units"] != units or lot["buffer_units"] != buffer_units(units, manifest.buffer_bp):
        return [f"lot {manifest.lot}: issued {lot['units']} units, the lot makes {units}"]
    spans = [Span(h["first"], h["last"]) for h in holdings]
    return lot_span_problems(manifest.number, units, spans)


def _retirement_problems(
    document: dict[str, Any], scan: _Scan, by_lot: dict[int, list[dict[str, Any]]]
) -> list[str]:
    problems = []
    seen_ids = set()
    retired_spans: dict[int, list[Span]] = {}
    for entry in document["retirements"]:
        leaf = scan.retirements.get(entry["leaf_index"])
        if leaf is None:
            problems.append(
                f"retirement {entry['id']}: leaf {entry['leaf_index']} is not a "
                "retirement leaf under the checkpoint"
            )
            continue
        expected = (
            entry["id"],
            entry["lot_code"],
            tuple(entry["serials"]),
            entry["units"],
            entry["purpose"],
            entry["beneficiary"],
        )
        actual = (
            leaf.retirement,
            leaf.lot,
            leaf.serials,
            leaf.units,
            leaf.purpose,
            leaf.beneficiary,
        )
        if expected != actual:
            problems.append(
                f"retirement {entry['id']} does not match its leaf {entry['leaf_index']}"
            )
        seen_ids.add(entry["id"])
        spans = [parse_serial(text)[3] for text in entry["serials"]]
        held = {
            (h["first"], h["last"])
            for h in by_lot.get(entry["lot"], [])
            if h["retirement"] == entry["id"] and h["holder"] == "retired"
        }
        if {(s.first, s.last) for s in spans} != held:
            problems.append(f"retirement {entry['id']}: its serials are not held as retired")
        retired_spans.setdefault(entry["lot"], []).extend(spans)
    for number, spans in sorted(retired_spans.items()):
        twice = overlaps(spans)
        if twice is not None:
            problems.append(f"lot {number}: serial {twice.first} was retired twice")
    for index, leaf in sorted(scan.retirements.items()):
        if leaf.retirement not in seen_ids:
            problems.append(f"leaf {index} retires {leaf.retirement}, unknown to the registry")
    return problems


def audit(source: Source, registry: Registry) -> Audit:
    result = Audit()
    try:
        checkpoint, _ = open_checkpoint(source.checkpoint(), parse_verifier_key(source.key()))
    except NoteError as error:
        raise VerifyError(f"the log's checkpoint: {error}") from None
    result.log_size = checkpoint.size
    document = registry.document()
    leaves = {
        lot["manifest"]["number"]: registry.leaves(lot["manifest"]["number"])
        for lot in document["lots"]
    }
    owner: dict[int, int] = {}
    for number, pairs in sorted(leaves.items()):
        for index, _ in pairs:
            if index in owner:
                result.problems.append(f"leaf {index} is in lot {owner[index]} and lot {number}")
                return result
            owner[index] = number
    cuts = {lot["manifest"]["checkpoint"]["size"] for lot in document["lots"]}
    cuts = {c for c in cuts if c <= checkpoint.size} | {checkpoint.size}
    scan = _scan(source, checkpoint.size, set(owner), cuts)
    if checkpoint.size and scan.roots.get(checkpoint.size) != checkpoint.root:
        result.problems.append(
            f"the log's entries do not hash to its signed checkpoint at size {checkpoint.size}"
        )
        return result
    keys = {v["id"]: base64.b64decode(v["public_key"]) for v in document["verifiers"]}
    by_lot: dict[int, list[dict[str, Any]]] = {}
    for holding in document["holdings"]:
        by_lot.setdefault(holding["lot"], []).append(holding)
    for lot in sorted(document["lots"], key=lambda lot: lot["manifest"]["number"]):
        number = lot["manifest"]["number"]
        result.problems += _lot_problems(lot, leaves[number], scan)
        result.problems += _signature_problems(lot, keys)
        result.problems += _unit_problems(lot, by_lot.get(number, []))
        result.problems += [
            f"lot {number}: reversed credit {c['leaf_index']} is short of "
            f"{c['short']} unit(s) of cover"
            for c in lot["cover"]
            if c["short"]
        ]
    result.problems += _retirement_problems(document, scan, by_lot)
    result.lots, result.credits = len(document["lots"]), len(owner)
    result.retirements = len(document["retirements"])
    return result
