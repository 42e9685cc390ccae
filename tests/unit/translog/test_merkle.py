"""RFC 9162 hashing, proofs and verification: the transparency-dev vectors, the naive reference
and every refusal."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonledger.translog import merkle
from tests.unit.translog import reference

VECTORS = Path(__file__).parents[2] / "vectors" / "merkle" / "testdata"
INCLUSION = sorted((VECTORS / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((VECTORS / "consistency").rglob("*.json"))

# The 8 leaf inputs the vectors under inclusion/0..4 and consistency/0..4 were made from, and the
# roots of their prefixes (tests/vectors/merkle/README.md).
INPUTS = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
VECTOR_LEAVES = [merkle.leaf_hash(data) for data in INPUTS]
LEAVES = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(300)]


def _vector_id(path: Path) -> str:
    return path.relative_to(VECTORS).as_posix()


def _load(path: Path) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(path.read_text())
    case["proof"] = [base64.b64decode(p) for p in case["proof"] or []]
    return case


def _subtree(leaves: list[bytes]) -> merkle.Subtree:
    """A subtree callback over a list that also checks it is only asked for RFC subtrees."""

    def subtree(start: int, end: int) -> bytes:
        count = end - start
        assert 0 <= start < end <= len(leaves)
        assert start % (1 << (count - 1).bit_length()) == 0
        assert count & (count - 1) == 0 or end == len(leaves)
        return reference.mth(leaves[start:end])

    return subtree


def test_the_vectors_are_all_there() -> None:
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98
    assert {p.parent.name for p in INCLUSION} >= {"0", "4", "1", "3", "single-entry"}
    assert {p.parent.name for p in CONSISTENCY} >= {"0", "4", "additional"}


@pytest.mark.parametrize("path", INCLUSION, ids=_vector_id)
def test_inclusion_vector(path: Path) -> None:
    case = _load(path)
    args = (base64.b64decode(case["leafHash"]), case["leafIdx"], case["treeSize"], case["proof"])
    root = base64.b64decode(case["root"])
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args, root)
    else:
        merkle.verify_inclusion(*args, root)
        assert merkle.root_from_inclusion(*args) == root


@pytest.mark.parametrize("path", CONSISTENCY, ids=_vector_id)
def test_consistency_vector(path: Path) -> None:
    case = _load(path)
    args = (
        case["size1"],
        case["size2"],
        case["proof"],
        base64.b64decode(case["root1"]),
        base64.b64decode(case["root2"]),
    )
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


@pytest.mark.parametrize(
    "path", [p for p in INCLUSION if p.name == "happy-path.json"], ids=_vector_id
)
def test_generated_inclusion_proofs_equal_the_vectors(path: Path) -> None:
    # leafIdx counts from 0: the happy path's leaf hash is that of input leafIdx.
    case = _load(path)
    index, size = case["leafIdx"], case["treeSize"]
    assert base64.b64decode(case["leafHash"]) == VECTOR_LEAVES[index]
    assert merkle.inclusion_proof(index, size, _subtree(VECTOR_LEAVES[:size])) == case["proof"]


@pytest.mark.parametrize(
    "path", [p for p in CONSISTENCY if p.name == "happy-path.json"], ids=_vector_id
)
def test_generated_consistency_proofs_equal_the_vectors(path: Path) -> None:
    case = _load(path)
    first, size = case["size1"], case["size2"]
    assert merkle.consistency_proof(first, size, _subtree(VECTOR_LEAVES[:size])) == case["proof"]


def test_roots_of_the_eight_inputs() -> None:
    assert hashlib.sha256(b"").digest() == ROOTS[0] == merkle.EMPTY_ROOT
    edge = merkle.RightEdge()
    assert edge.root() == ROOTS[0]
    for size, leaf in enumerate(VECTOR_LEAVES, start=1):
        edge.append(leaf)
        assert (edge.size, edge.root()) == (size, ROOTS[size])
        assert reference.mth(VECTOR_LEAVES[:size]) == ROOTS[size]


def test_hashes_use_the_rfc_domain_prefixes() -> None:
    assert merkle.leaf_hash(b"ab") == hashlib.sha256(b"\x00ab").digest()
    left, right = LEAVES[0], LEAVES[1]
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert merkle.hash_level(b"".join(LEAVES[:4])) == (
        merkle.node_hash(LEAVES[0], LEAVES[1]) + merkle.node_hash(LEAVES[2], LEAVES[3])
    )


def test_right_edge_matches_the_reference_at_every_size() -> None:
    edge = merkle.RightEdge()
    edge.extend(LEAVES[:1])
    for size in range(2, len(LEAVES) + 1):
        edge.append(LEAVES[size - 1])
        assert edge.root() == reference.mth(LEAVES[:size])
        assert len(edge.roots) == size.bit_count()


def test_right_edge_refuses_a_short_hash() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        merkle.RightEdge().append(b"\x00" * 31)


@given(st.data())
def test_inclusion_proofs_equal_the_reference_and_verify(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, len(LEAVES)))
    index = data.draw(st.integers(0, size - 1))
    leaves = LEAVES[:size]
    proof = merkle.inclusion_proof(index, size, _subtree(leaves))
    assert proof == reference.path(index, leaves)
    merkle.verify_inclusion(leaves[index], index, size, proof, reference.mth(leaves))


@given(st.data())
def test_consistency_proofs_equal_the_reference_and_verify(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, len(LEAVES)))
    first = data.draw(st.integers(1, size))
    leaves = LEAVES[:size]
    proof = merkle.consistency_proof(first, size, _subtree(leaves))
    assert proof == (reference.proof(first, leaves) if first < size else [])
    merkle.verify_consistency(
        first, size, proof, reference.mth(leaves[:first]), reference.mth(leaves)
    )


@given(st.data())
def test_any_change_to_an_inclusion_proof_is_refused(data: st.DataObject) -> None:
    size = data.draw(st.integers(2, 70))
    index = data.draw(st.integers(0, size - 1))
    leaves = LEAVES[:size]
    proof, root = reference.path(index, leaves), reference.mth(leaves)
    at = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    flipped = bytearray(proof[at])
    flipped[bit // 8] ^= 1 << (bit % 8)
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index))
    changes: list[Callable[[], None]] = [
        lambda: merkle.verify_inclusion(
            leaves[index], index, size, [*proof[:at], bytes(flipped), *proof[at + 1 :]], root
        ),
        lambda: merkle.verify_inclusion(leaves[index], other, size, proof, root),
        lambda: merkle.verify_inclusion(leaves[index], index, size, proof[:-1], root),
        lambda: merkle.verify_inclusion(leaves[index], index, size, [*proof, root], root),
    ]
    for change in changes:
        with pytest.raises(merkle.ProofError):
            change()


@given(st.data())
def test_any_change_to_a_consistency_proof_is_refused(data: st.DataObject) -> None:
    size = data.draw(st.integers(2, 70))
    first = data.draw(st.integers(1, size - 1))
    leaves = LEAVES[:size]
    proof, first_root, root = (
        reference.proof(first, leaves),
        reference.mth(leaves[:first]),
        reference.mth(leaves),
    )
    at = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    flipped = bytearray(proof[at])
    flipped[bit // 8] ^= 1 << (bit % 8)
    changes: list[Callable[[], None]] = [
        lambda: merkle.verify_consistency(
            first, size, [*proof[:at], bytes(flipped), *proof[at + 1 :]], first_root, root
        ),
        lambda: merkle.verify_consistency(first, size, proof[:-1], first_root, root),
        lambda: merkle.verify_consistency(first, size, [*proof, root], first_root, root),
        lambda: merkle.verify_consistency(first, size, proof, root, first_root),
    ]
    for change in changes:
        with pytest.raises(merkle.ProofError):
            change()


def test_wrong_proof_lengths_say_how_many_hashes_are_needed() -> None:
    proof = reference.path(5, LEAVES[:8])
    with pytest.raises(merkle.ProofError, match="has 2 hashes but leaf 5 of a tree of size 8 nee"):
        merkle.verify_inclusion(LEAVES[5], 5, 8, proof[:2], reference.mth(LEAVES[:8]))
    with pytest.raises(merkle.ProofError, match="sizes 6 and 8 need 3"):
        merkle.verify_consistency(6, 8, [], reference.mth(LEAVES[:6]), reference.mth(LEAVES[:8]))


@pytest.mark.parametrize(
    ("leaf", "proof", "root", "message"),
    [
        (b"\x00" * 31, [], b"\x00" * 32, "the leaf hash is 31 bytes"),
        (b"\x00" * 32, [], b"\x00" * 33, "the root hash is 33 bytes"),
        (b"\x00" * 32, [b"\x00" * 32, b""], b"\x00" * 32, "inclusion proof hash #1 is 0 bytes"),
    ],
)
def test_hash_sizes_are_checked(leaf: bytes, proof: list[bytes], root: bytes, message: str) -> None:
    with pytest.raises(merkle.ProofError, match=message):
        merkle.verify_inclusion(leaf, 0, 4, proof, root)


def test_consistency_of_equal_sizes() -> None:
    root = reference.mth(LEAVES[:3])
    merkle.verify_consistency(3, 3, [], root, root)
    merkle.verify_consistency(0, 0, [], merkle.EMPTY_ROOT, merkle.EMPTY_ROOT)
    with pytest.raises(merkle.ProofError, match="empty proof"):
        merkle.verify_consistency(3, 3, [root], root, root)
    with pytest.raises(merkle.ProofError, match="different roots"):
        merkle.verify_consistency(3, 3, [], root, reference.mth(LEAVES[:4]))
    with pytest.raises(merkle.ProofError, match="empty tree"):
        merkle.verify_consistency(0, 0, [], root, root)


def test_proof_error_is_a_value_error() -> None:
    assert issubclass(merkle.ProofError, ValueError)


@pytest.mark.parametrize(("index", "size"), [(5, 5), (-1, 5), (0, 0)])
def test_inclusion_proof_refuses_an_index_outside_the_tree(index: int, size: int) -> None:
    with pytest.raises(ValueError, match="not in a tree of size"):
        merkle.inclusion_proof(index, size, _subtree(LEAVES[: max(size, 0)]))


@pytest.mark.parametrize(
    ("first", "size", "message"),
    [(6, 5, "not between"), (-1, 5, "not between"), (0, 5, "empty tree")],
)
def test_consistency_proof_refuses_impossible_sizes(first: int, size: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        merkle.consistency_proof(first, size, _subtree(LEAVES[:size]))


def test_consistency_proof_of_equal_sizes_is_empty() -> None:
    assert merkle.consistency_proof(7, 7, _subtree(LEAVES[:7])) == []
    assert merkle.consistency_proof(0, 0, _subtree([])) == []
