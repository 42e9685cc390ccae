"""The transparency log (透明日志): every credit and every reversal is a leaf of one append-only
RFC 9162 Merkle tree.

The tree is stored and served as C2SP tlog-tiles (hash tiles of height 8 and entry bundles), its
heads are published as signed checkpoints (C2SP tlog-checkpoint over C2SP signed-note), and
independent witnesses cosign each checkpoint once it is consistent with the last one they saw.
`merkle` and `tiles` are the pure core: hashing, proofs and tile arithmetic, with no I/O.
"""
