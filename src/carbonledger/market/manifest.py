"""A lot's manifest: what a verifier signs and anyone can recompute from the public log. Pure.

The manifest names the lot, its period, scenarios and regions, the methodology versions of its
credits, their count and total grams (as milligrams), the checkpoint it was formed against, the
unit size and buffer share, and `leaves_digest`: SHA-256 over every credit's 8-byte big-endian
leaf index followed by its RFC 9162 leaf hash, in index order. The list of leaf indexes is
published beside it; the digest binds the signature to exactly that set of leaves.

A verifier signs `MANIFEST_CONTEXT + canonical JSON of the manifest` with its Ed25519 key.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from carbonledger.canonical import canonical_json

MANIFEST_VERSION = 1
MANIFEST_CONTEXT = b"carbonledger/market-lot/v1\n"


def leaves_digest(leaves: Iterable[tuple[int, bytes]]) -> str:
    """Hex SHA-256 over (index, leaf hash) pairs, which must come in index order."""
    digest = hashlib.sha256()
    previous = -1
    for index, leaf_hash in leaves:
        if index <= previous:
            raise ValueError("the leaves of a manifest come in increasing index order")
        digest.update(index.to_bytes(8, "big") + leaf_hash)
        previous = index
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Manifest:
    """The signed description of one lot."""

    lot: str
    number: int
    period_start: date
    period_end: date
    scenarios: tuple[str, ...]
    regions: tuple[str, ...]
    methodologies: tuple[str, ...]
    credits: int
    total_mg: int
    checkpoint_size: int
    checkpoint_root: bytes
    leaves_digest: str
    unit_mg: int
    buffer_bp: int

    def to_json(self) -> dict[str, Any]:
        return {
            "v": MANIFEST_VERSION,
            "lot": self.lot,
            "number": self.number,
            "period": [self.period_start.isoformat(), self.period_end.isoformat()],
            "scenarios": list(self.scenarios),
            "regions": list(self.regions),
            "methodologies": list(self.methodologies),
            "credits": self.credits,
            "total_mg": self.total_mg,
            "checkpoint": {
                "size": self.checkpoint_size,
                "root": base64.b64encode(self.checkpoint_root).decode(),
            },
            "leaves_digest": self.leaves_digest,
            "unit_mg": self.unit_mg,
            "buffer_bp": self.buffer_bp,
        }

    def signed_bytes(self) -> bytes:
        return MANIFEST_CONTEXT + canonical_json(self.to_json())

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Manifest:
        try:
            if body["v"] != MANIFEST_VERSION:
                raise ValueError(f"unknown manifest version {body['v']!r}")
            return cls(
                lot=body["lot"],
                number=int(body["number"]),
                period_start=date.fromisoformat(body["period"][0]),
                period_end=date.fromisoformat(body["period"][1]),
                scenarios=tuple(body["scenarios"]),
                regions=tuple(body["regions"]),
                methodologies=tuple(body["methodologies"]),
                credits=int(body["credits"]),
                total_mg=int(body["total_mg"]),
                checkpoint_size=int(body["checkpoint"]["size"]),
                checkpoint_root=base64.b64decode(body["checkpoint"]["root"]),
                leaves_digest=body["leaves_digest"],
                unit_mg=int(body["unit_mg"]),
                buffer_bp=int(body["buffer_bp"]),
            )
        except (KeyError, TypeError, IndexError) as error:
            raise ValueError(f"not a lot manifest: missing or malformed {error}") from None
