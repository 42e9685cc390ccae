"""Writes the receipt golden vector (`credit.tlog-proof`) from fixed keys and leaves; run it only
to regenerate the vector after a deliberate change of format, and review the diff."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from carbonledger.translog import merkle
from carbonledger.translog.checkpoint import COSIGNATURE_TYPE, Checkpoint, cosign, sign_checkpoint
from carbonledger.translog.leaves import credit_leaf
from carbonledger.translog.note import signer_from_private_bytes
from carbonledger.translog.receipts import Receipt
from tests.unit.translog import reference

HERE = Path(__file__).parent
LOG = signer_from_private_bytes("example.com/carbonledger", bytes(range(32)))
WITNESS = signer_from_private_bytes("witness.example", bytes(range(32, 64)), COSIGNATURE_TYPE)
TIME = 1_796_000_000


def leaves() -> list[bytes]:
    return [
        credit_leaf(
            record_id=f"01JD{n:022d}",
            partner="bikeshare",
            pseudonym_key=bytes([n]) * 32,
            scenario="cycling",
            methodology="cycling@2022-08",
            quantity=4.2,
            unit="km",
            reduction_mg=214_200,
            points=214,
            day=date(2026, 11, 1),
            region="110108",
        )
        for n in range(5)
    ]


def receipt(index: int = 3) -> str:
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves()]
    body = Checkpoint(LOG.name, len(hashes), reference.mth(hashes))
    note = sign_checkpoint(body, LOG) + cosign(body.body(), WITNESS, TIME)
    proof = tuple(reference.path(index, hashes))
    return Receipt(leaves()[index], index, proof, note).encode()


if __name__ == "__main__":
    (HERE / "credit.tlog-proof").write_text(receipt())
    (HERE / "log.vkey").write_text(LOG.verifier_key() + "\n")
    (HERE / "witness.vkey").write_text(WITNESS.verifier_key() + "\n")
