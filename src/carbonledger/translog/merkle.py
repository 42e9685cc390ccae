"""Merkle tree hashing and proofs of RFC 9162 §2.1 (SHA-256). Pure.

Proof generation walks the recursive definitions PATH (§2.1.3.1) and SUBPROOF (§2.1.4.1) from the
root down and asks a caller-supplied `Subtree` for the hashes it needs; every range it asks for is
a subtree of the RFC's recursion: `[start, end)` where `start` is a multiple of the smallest power
of two at least `end - start`, and which is either perfect or ends at the tree size. That lets
hash tiles answer each request from about one tile per tile level.

Verification follows the algorithms of §2.1.3.2 and §2.1.4.2 step by step. Every malformed or
wrong proof raises `ProofError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
_LEAF_HASH_PREFIX = b"\x00"
_NODE_HASH_PREFIX = b"\x01"
_PAIR_SIZE = 2 * HASH_SIZE

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}): the root hash of the empty tree."""

Subtree = Callable[[int, int], bytes]
"""`subtree(start, end)` returns MTH(D[start:end]) of the tree being proved."""


class ProofError(ValueError):
    """An inclusion or consistency proof is malformed or does not match the roots."""


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d): the hash of one leaf."""
    return hashlib.sha256(_LEAF_HASH_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return hashlib.sha256(_NODE_HASH_PREFIX + left + right).digest()


def hash_level(hashes: bytes) -> bytes:
    """One level up a perfect tree: the node hash of each consecutive pair in `hashes`, the
    concatenation of an even number of hashes. Slicing the joined bytes avoids building a list of
    32-byte objects, which is most of the cost of hashing a tile."""
    sha256, prefix = hashlib.sha256, _NODE_HASH_PREFIX
    return b"".join(
        [
            sha256(prefix + hashes[i : i + _PAIR_SIZE]).digest()
            for i in range(0, len(hashes), _PAIR_SIZE)
        ]
    )


def split_point(size: int) -> int:
    """k, the largest power of two smaller than `size` (> 1): where the RFC splits D[0:size]."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_proof(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """PATH(index, D[0:size]) (§2.1.3.1): the audit path of leaf `index`, deepest sibling first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    siblings: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + split_point(end - start)
        if index < middle:
            siblings.append(subtree(middle, end))
            end = middle
        else:
            siblings.append(subtree(start, middle))
            start = middle
    siblings.reverse()
    return siblings


def consistency_proof(first: int, size: int, subtree: Subtree) -> list[bytes]:
    """PROOF(first, D[0:size]) = SUBPROOF(first, D[0:size], true) (§2.1.4.1), deepest first.

    Equal sizes need no proof, so this returns []; a proof from the empty tree does not exist.
    """
    if not 0 <= first <= size:
        raise ValueError(f"tree size {first} is not between 0 and the tree size {size}")
    if first == size:
        return []
    if first == 0:
        raise ValueError("every tree is consistent with the empty tree; there is no proof for it")
    nodes: list[bytes] = []
    start, end, whole = 0, size, True
    while first != end:
        middle = start + split_point(end - start)
        if first <= middle:
            nodes.append(subtree(middle, end))
            end = middle
        else:
            nodes.append(subtree(start, middle))
            start, whole = middle, False
    if not whole:
        nodes.append(subtree(start, end))
    nodes.reverse()
    return nodes


def _check_hashes(what: str, hashes: Iterable[bytes]) -> None:
    for number, value in enumerate(hashes):
        if len(value) != HASH_SIZE:
            raise ProofError(
                f"{what} #{number} is {len(value)} bytes; SHA-256 hashes are {HASH_SIZE} bytes"
            )


def _check_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes; SHA-256 hashes are {HASH_SIZE} bytes")


def _inclusion_length(index: int, size: int) -> int:
    """How many hashes PATH(index, D[0:size]) has: the siblings below the point where the paths
    to `index` and to the last leaf part, plus one per left turn above it."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def root_from_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root that `proof` and the leaf hash at `index` imply for a tree of `size` (§2.1.3.2)."""
    _check_hash("the leaf hash", leaf_hash)
    _check_hashes("inclusion proof hash", proof)
    if index < 0 or index >= size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    wrong_length = ProofError(
        f"the inclusion proof has {len(proof)} hashes but leaf {index} of a tree of size {size} "
        f"needs {_inclusion_length(index, size)}"
    )
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise wrong_length
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise wrong_length
    return r


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that the leaf hash is at `index` of the tree of `size` with `root` (§2.1.3.2)."""
    _check_hash("the root hash", root)
    if root_from_inclusion(leaf_hash, index, size, proof) != root:
        raise ProofError(
            f"the inclusion proof of leaf {index} does not lead to the root of the tree of size "
            f"{size}: the leaf, the proof or the root is wrong"
        )


def _consistency_length(first: int, size: int) -> int:
    """How many hashes PROOF(first, D[0:size]) has (0 < first < size)."""
    level = (first & -first).bit_length() - 1
    index = (first - 1) >> level
    inner = _inclusion_length(index, ((size - 1) >> level) + 1)
    return inner + (1 if index else 0)


def _verify_same_size(size: int, proof: Sequence[bytes], first_root: bytes, root: bytes) -> None:
    if proof:
        raise ProofError(f"trees of equal size need an empty proof, not {len(proof)} hashes")
    if size == 0 and (first_root != EMPTY_ROOT or root != EMPTY_ROOT):
        raise ProofError("the root of the empty tree is SHA-256 of no bytes")
    if first_root != root:
        raise ProofError(f"two trees of the same size {size} have different roots")


def _roots_from_consistency(
    first: int, size: int, proof: Sequence[bytes], first_root: bytes
) -> tuple[bytes, bytes]:
    """The roots of the trees of `first` and `size` leaves that `proof` implies (0 < first <
    size), by steps 1 to 6 of §2.1.4.2."""
    wrong_length = ProofError(
        f"the consistency proof has {len(proof)} hashes but sizes {first} and {size} need "
        f"{_consistency_length(first, size)}"
    )
    if not proof:
        raise wrong_length
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise wrong_length
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise wrong_length
    return fr, sr


def verify_consistency(
    first: int, size: int, proof: Sequence[bytes], first_root: bytes, root: bytes
) -> None:
    """Check that the tree of `size` with `root` extends the tree of `first` leaves with
    `first_root` (§2.1.4.2). Equal sizes need an empty proof and the same root."""
    if first < 0 or first > size:
        raise ProofError(f"the first tree size {first} is not between 0 and {size}")
    if first == size:
        _verify_same_size(size, proof, first_root, root)
        return
    if first == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing; none is accepted")
    _check_hash("the first root", first_root)
    _check_hash("the second root", root)
    _check_hashes("consistency proof hash", proof)
    fr, sr = _roots_from_consistency(first, size, proof, first_root)
    if fr != first_root:
        raise ProofError(
            f"the consistency proof does not lead to the root of the tree of size {first}: "
            "the proof or that root is wrong"
        )
    if sr != root:
        raise ProofError(
            f"the consistency proof does not lead to the root of the tree of size {size}: "
            "the proof or that root is wrong"
        )


class RightEdge:
    """The compact range of a growing tree: the roots of its perfect subtrees, largest first, one
    per set bit of the size. Appending costs one hash amortised; the root costs O(log n)."""

    __slots__ = ("_roots", "_size")

    def __init__(self) -> None:
        self._roots: list[bytes] = []
        self._size = 0

    @property
    def size(self) -> int:
        """How many leaves have been appended."""
        return self._size

    @property
    def roots(self) -> tuple[bytes, ...]:
        """The perfect subtree roots, largest (leftmost) first."""
        return tuple(self._roots)

    def append(self, leaf_hash: bytes) -> None:
        """Add the next leaf, given by its leaf hash."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, not {len(leaf_hash)}")
        node, size = leaf_hash, self._size
        # Each trailing 1 bit of the old size is a perfect subtree the new leaf completes.
        while size & 1:
            node = node_hash(self._roots.pop(), node)
            size >>= 1
        self._roots.append(node)
        self._size += 1

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append each leaf hash in turn."""
        for value in leaf_hashes:
            self.append(value)

    def root(self) -> bytes:
        """MTH of the leaves appended so far."""
        if not self._roots:
            return EMPTY_ROOT
        root = self._roots[-1]
        for left in reversed(self._roots[:-1]):
            root = node_hash(left, root)
        return root
