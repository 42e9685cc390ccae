"""C2SP tlog-tiles: paths, appending in batches against tiles built from scratch with the naive
reference, proofs read from tiles, how many tiles a proof reads, and entry bundles."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonledger.translog import merkle, tiles
from tests.unit.translog import reference

Tiles = dict[tuple[int, int], bytes]
SMALL = 600
LARGE = 70_000  # across the first level-2 boundary at 65,536 leaves
HUGE = 2**20 + 12_345


@cache
def leaves(count: int) -> list[bytes]:
    """Cheap synthetic leaf hashes: the index as 32 big-endian bytes."""
    return [i.to_bytes(32, "big") for i in range(count)]


@cache
def scratch(count: int) -> Tiles:
    """Every tile of the tree of `count` leaves, straight from the spec's formula
    MTH(D[(n*256 + i) * 256**l : (n*256 + i + 1) * 256**l]) with the naive reference."""
    d = leaves(count)
    built: Tiles = {}
    level = 0
    while 256**level <= count:
        span = 256**level
        hashes = [reference.mth(d[j * span : (j + 1) * span]) for j in range(count // span)]
        for n in range(0, len(hashes), 256):
            built[(level, n // 256)] = b"".join(hashes[n : n + 256])
        level += 1
    return built


@cache
def reference_root(count: int) -> bytes:
    return reference.mth(leaves(SMALL)[:count]) if count <= SMALL else reference.mth(leaves(count))


def at_size(final: Tiles, size: int) -> Tiles:
    """The tiles of the tree of `size` leaves, from those of a larger tree: each is a prefix."""
    out: Tiles = {}
    for (level, index), data in final.items():
        width = min((size >> (8 * level)) - index * 256, 256)
        if width > 0:
            out[(level, index)] = data[: width * 32]
    return out


def edge_at(final: Tiles, size: int) -> dict[int, bytes]:
    level_count = (size.bit_length() + 7) // 8
    here = at_size(final, size)
    return {
        level: here.get((level, (size >> (8 * level)) // 256), b"")
        if (size >> (8 * level)) % 256
        else b""
        for level in range(level_count)
    }


def grow(cuts: Sequence[int]) -> tuple[tiles.Appended, Tiles]:
    """Append leaves(...) from size 0 through each size in `cuts`, keeping every written tile."""
    source = leaves(LARGE) if cuts[-1] <= LARGE else leaves(cuts[-1])
    stored, size, edge = Tiles(), 0, dict[int, bytes]()
    grown = tiles.append(0, {}, [])
    for cut in cuts:
        grown = tiles.append(size, edge, source[size:cut])
        assert grown.size == cut
        stored.update(grown.tiles)
        size, edge = grown.size, grown.edge
    return grown, stored


def batch_cuts(limit: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, limit), max_size=8).map(lambda xs: [*sorted(xs), limit])


# Paths


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (tiles.tile_path(0, 1234067, 5), "tile/0/x001/x234/067.p/5"),
        (tiles.tile_path(0, 1234067), "tile/0/x001/x234/067"),
        (tiles.tile_path(1, 0), "tile/1/000"),
        (tiles.tile_path(2, 1000, 255), "tile/2/x001/000.p/255"),
        (tiles.tile_path(63, 999), "tile/63/999"),
        (tiles.entries_path(1234067, 5), "tile/entries/x001/x234/067.p/5"),
        (tiles.entries_path(0), "tile/entries/000"),
    ],
)
def test_tile_paths_follow_the_spec(path: str, expected: str) -> None:
    assert path == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: tiles.tile_path(0, 1, 0),
        lambda: tiles.tile_path(0, 1, 257),
        lambda: tiles.tile_path(0, -1),
        lambda: tiles.tile_path(64, 0),
        lambda: tiles.tile_path(-1, 0),
        lambda: tiles.entries_path(3, 0),
    ],
)
def test_impossible_tiles_have_no_path(call: Callable[[], str]) -> None:
    with pytest.raises(ValueError, match="tile"):
        call()


@given(st.integers(0, 10**18), st.integers(1, 256))
def test_tile_addresses_round_trip(index: int, width: int) -> None:
    address = tiles.entries_path(index, width).removeprefix("tile/entries/")
    assert tiles.parse_tile_suffix(address) == (index, width)
    assert tiles.parse_index(address.split(".p/")[0]) == index


def test_parse_examples() -> None:
    assert tiles.parse_index("x001/x234/067") == 1234067
    assert tiles.parse_index("000") == 0
    assert tiles.parse_tile_suffix("067.p/255") == (67, 255)
    assert tiles.parse_tile_suffix("x001/x234/067") == (1234067, 256)


@pytest.mark.parametrize(
    "segments",
    [
        "",
        "1",
        "01",
        "0001",
        "x001",
        "x01/067",
        "001/067",
        "x001/x234/67",
        "x001//067",
        "X001/067",
        "x000/067",
        "067/",
        "/067",
        "\u0660\u0661\u0662",
        "x001/x234/067.p/5",
        "x001/x002/x003/x004/x005/x006/x007/008",
        " 067",
    ],
)
def test_malformed_indexes_are_refused(segments: str) -> None:
    with pytest.raises(tiles.TileError, match="not a tile index"):
        tiles.parse_index(segments)


@pytest.mark.parametrize(
    "address",
    [
        "067.p/0",
        "067.p/256",
        "067.p/01",
        "067.p/",
        "067.p/5/",
        "067.q/5",
        "067.p/-1",
        "067.p5",
        "x000/067.p/5",
        "067.p/5.p/5",
        "67",
    ],
)
def test_malformed_tile_addresses_are_refused(address: str) -> None:
    with pytest.raises(tiles.TileError):
        tiles.parse_tile_suffix(address)


# Appending


def test_every_size_to_600_one_leaf_at_a_time() -> None:
    final = scratch(SMALL)
    size, edge, stored = 0, dict[int, bytes](), Tiles()
    for leaf in leaves(SMALL):
        grown = tiles.append(size, edge, [leaf])
        size, edge = grown.size, grown.edge
        stored.update(grown.tiles)
        assert grown.root == reference_root(size)
        assert edge == edge_at(final, size)
        assert tiles.root_from_edge(size, edge) == grown.root
    assert stored == final


@given(batch_cuts(SMALL))
def test_batches_of_any_split_build_the_same_tiles(cuts: list[int]) -> None:
    final = scratch(SMALL)
    size, edge, stored = 0, dict[int, bytes](), Tiles()
    for cut in cuts:
        grown = tiles.append(size, edge, leaves(SMALL)[size:cut])
        for key, data in grown.tiles.items():
            # Only tiles that are new or grew are reported, each with its full current data.
            assert stored.get(key) != data
            assert data == at_size(final, cut)[key]
        stored.update(grown.tiles)
        size, edge = grown.size, grown.edge
        assert (grown.root, edge) == (reference_root(size), edge_at(final, size))
    assert stored == final


@settings(max_examples=10, deadline=None)
@given(st.integers(1, LARGE).flatmap(batch_cuts))
def test_large_trees_in_random_batches(cuts: list[int]) -> None:
    grown, stored = grow(cuts)
    assert stored == at_size(scratch(LARGE), cuts[-1])
    expected = merkle.RightEdge()  # checked against the reference in test_merkle
    expected.extend(leaves(LARGE)[: cuts[-1]])
    assert grown.root == expected.root()


def test_across_the_level_2_boundary() -> None:
    final = scratch(LARGE)
    grown, stored = grow([65_530, 65_535, 65_536, 65_537, 65_800, LARGE])
    assert stored == final
    assert grown.root == reference_root(LARGE)
    assert grown.edge == edge_at(final, LARGE)


def test_the_spec_example_of_a_tree_of_70000() -> None:
    # 273 full level-0 tiles, a level-0 partial of 112, one full level-1 tile, a level-1 partial
    # of 17 and a level-2 partial of 1.
    widths = {key: len(data) // 32 for key, data in scratch(LARGE).items()}
    assert sorted(widths.items())[-5:] == [
        ((0, 272), 256),
        ((0, 273), 112),
        ((1, 0), 256),
        ((1, 1), 17),
        ((2, 0), 1),
    ]
    assert sum(1 for (level, _), width in widths.items() if level == 0 and width == 256) == 273
    assert len(widths) == 274 + 2 + 1


def test_a_tree_of_256_has_a_level_1_partial_of_width_1() -> None:
    grown = tiles.append(0, {}, leaves(256))
    assert {key: len(data) for key, data in grown.tiles.items()} == {(0, 0): 8192, (1, 0): 32}
    assert grown.edge == {0: b"", 1: tiles.tile_root(grown.tiles[(0, 0)])}
    assert grown.root == grown.edge[1] == reference_root(256)


def test_appending_nothing_changes_nothing() -> None:
    grown = tiles.append(300, edge_at(scratch(SMALL), 300), [])
    assert (grown.size, grown.tiles, grown.root) == (300, {}, reference_root(300))


def test_the_empty_tree() -> None:
    assert tiles.root_from_edge(0, {}) == merkle.EMPTY_ROOT
    assert tiles.append(0, {}, []).root == merkle.EMPTY_ROOT


def test_append_refuses_a_short_leaf_hash() -> None:
    with pytest.raises(tiles.TileError, match="leaf hash #1 is 31 bytes"):
        tiles.append(0, {}, [b"\x00" * 32, b"\x00" * 31])


def test_append_refuses_an_edge_of_the_wrong_width() -> None:
    edge = edge_at(scratch(SMALL), 300)
    with pytest.raises(tiles.TileError, match="level 0 is 1408 bytes but a tree of size 301"):
        tiles.append(301, edge, leaves(1))
    with pytest.raises(tiles.TileError, match="level 1"):
        tiles.append(300, {0: edge[0]}, leaves(1))


def test_root_from_edge_uses_only_the_prefix_it_needs() -> None:
    final = scratch(SMALL)
    grown_edge = {level: final[(level, 0)] for level in (0, 1)}
    assert tiles.root_from_edge(200, grown_edge) == reference_root(200)


def test_tile_root_is_the_root_of_its_256_hashes() -> None:
    data = b"".join(leaves(256))
    assert tiles.tile_root(data) == reference.mth(leaves(256))
    with pytest.raises(tiles.TileError, match="8192 bytes"):
        tiles.tile_root(data[:-32])


# Reading proofs from tiles


def counting_reader(
    stored: Tiles, size: int, exact: bool = False
) -> tuple[tiles.TileReader, list[tuple[int, int]]]:
    reads: list[tuple[int, int]] = []
    exact_tiles = at_size(stored, size) if exact else stored

    def read_tile(level: int, index: int) -> bytes:
        reads.append((level, index))
        return exact_tiles[(level, index)]

    return tiles.TileReader(size, read_tile), reads


@given(st.data(), st.booleans())
def test_proofs_from_tiles_equal_the_reference(data: st.DataObject, exact: bool) -> None:
    size = data.draw(st.integers(1, SMALL))
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(1, size))
    d = leaves(SMALL)[:size]
    reader, reads = counting_reader(scratch(SMALL), size, exact)
    inclusion = merkle.inclusion_proof(index, size, reader.subtree)
    consistency = merkle.consistency_proof(first, size, reader.subtree)
    assert reader.subtree(0, size) == reference_root(size)
    assert inclusion == reference.path(index, d)
    assert consistency == (reference.proof(first, d) if first < size else [])
    merkle.verify_inclusion(d[index], index, size, inclusion, reference_root(size))
    merkle.verify_consistency(first, size, consistency, reference_root(first), reference_root(size))
    assert len(reads) == len(set(reads))  # each tile read once per reader


@pytest.fixture(scope="session")
def huge() -> tuple[Tiles, bytes]:
    """The tiles and root of a tree of 2**20 + 12,345 leaves, built once."""
    grown, stored = grow([*range(65_536, HUGE, 65_536), HUGE])
    return stored, grown.root


@pytest.mark.parametrize("index", [0, 1, 255, 256, 65_535, 65_536, 2**20 - 1, 2**20, HUGE - 1])
def test_an_inclusion_proof_reads_at_most_two_tiles_per_level(
    huge: tuple[Tiles, bytes], index: int
) -> None:
    stored, root = huge
    reader, reads = counting_reader(stored, HUGE)
    proof = merkle.inclusion_proof(index, HUGE, reader.subtree)
    merkle.verify_inclusion(leaves(HUGE)[index], index, HUGE, proof, root)
    assert len(reads) <= 2 * 3  # three levels: 2**20 + 12,345 < 256**3


@pytest.mark.parametrize("first", [1, 255, 256, 70_000, 2**20, HUGE - 1])
def test_a_consistency_proof_reads_at_most_two_tiles_per_level(
    huge: tuple[Tiles, bytes], first: int
) -> None:
    stored, root = huge
    first_reader = tiles.TileReader(first, lambda level, index: stored[(level, index)])
    first_root = first_reader.subtree(0, first)
    reader, reads = counting_reader(stored, HUGE)
    proof = merkle.consistency_proof(first, HUGE, reader.subtree)
    merkle.verify_consistency(first, HUGE, proof, first_root, root)
    assert len(reads) <= 2 * 3


@given(st.integers(0, 10**8 - 1), st.integers(1, 10**8))
def test_a_proof_at_100_million_leaves_reads_about_four_tiles(index: int, first: int) -> None:
    reads: list[tuple[int, int]] = []

    def read_tile(level: int, tile: int) -> bytes:
        # Only the number of reads matters here, not what the hashes are.
        reads.append((level, tile))
        return hashlib.sha256(bytes([level]) + tile.to_bytes(8, "big")).digest() * 256

    merkle.inclusion_proof(index, 10**8, tiles.TileReader(10**8, read_tile).subtree)
    assert len(reads) <= 2 * 4  # four levels: 256**3 < 10**8 < 256**4
    reads.clear()
    merkle.consistency_proof(first, 10**8, tiles.TileReader(10**8, read_tile).subtree)
    assert len(reads) <= 2 * 4


@pytest.mark.parametrize(("start", "end"), [(1, 3), (0, 3), (2, 6), (0, 0), (0, 9), (-1, 1)])
def test_the_reader_serves_only_rfc_subtrees(start: int, end: int) -> None:
    reader, _ = counting_reader(scratch(SMALL), 8)
    with pytest.raises(ValueError, match="tree of"):
        reader.subtree(start, end)


def test_a_short_tile_is_reported_by_its_path() -> None:
    reader = tiles.TileReader(300, lambda level, index: b"\x00" * 32 * 10)
    with pytest.raises(tiles.TileError, match=r"tile/0/001 holds 10 hashes .* needs at least 32"):
        reader.subtree(0, 300)


# Entry bundles


entry_lists = st.lists(st.binary(max_size=40), max_size=256)


@given(entry_lists)
def test_bundles_round_trip(entries: list[bytes]) -> None:
    assert tiles.decode_bundle(tiles.encode_bundle(entries)) == entries


@given(st.lists(st.binary(max_size=6), min_size=1, max_size=8))
def test_every_truncated_bundle_is_refused(entries: list[bytes]) -> None:
    data = tiles.encode_bundle(entries)
    boundaries = {len(tiles.encode_bundle(entries[:n])): n for n in range(len(entries) + 1)}
    for cut in range(len(data)):
        if cut in boundaries:
            assert tiles.decode_bundle(data[:cut]) == entries[: boundaries[cut]]
        else:
            with pytest.raises(tiles.TileError, match="truncated"):
                tiles.decode_bundle(data[:cut])


def test_entry_size_limits() -> None:
    largest = b"\xff" * 65_535
    assert tiles.decode_bundle(tiles.encode_bundle([largest])) == [largest]
    with pytest.raises(tiles.TileError, match="at most 65535 bytes"):
        tiles.encode_bundle([largest + b"\xff"])
    with pytest.raises(tiles.TileError, match="at most 256 entries"):
        tiles.decode_bundle(tiles.encode_bundle([b"e"] * 257))


def numbered_entries(count: int) -> list[bytes]:
    """Entries of varied lengths, including empty ones."""
    return [str(i).encode() * (i % 4) for i in range(count)]


@given(
    st.integers(0, SMALL)
    .map(numbered_entries)
    .flatmap(lambda entries: st.tuples(st.just(entries), batch_cuts(len(entries))))
)
def test_entries_appended_in_batches_make_the_full_bundles(
    case: tuple[list[bytes], list[int]],
) -> None:
    entries, cuts = case
    size, stored = 0, dict[int, bytes]()
    for cut in cuts:
        edge_bundle = stored.get(size // 256, b"") if size % 256 else b""
        changed = tiles.append_entries(size, edge_bundle, entries[size:cut])
        assert sorted(changed) == list(range(size // 256, -(-cut // 256)) if cut > size else [])
        stored.update(changed)
        size = cut
    assert stored == {
        n // 256: tiles.encode_bundle(entries[n : n + 256]) for n in range(0, len(entries), 256)
    }


def test_append_entries_refuses_an_edge_bundle_of_the_wrong_width() -> None:
    with pytest.raises(tiles.TileError, match="holds 2 entries; a log of size 515 has 3"):
        tiles.append_entries(515, tiles.encode_bundle([b"a", b"b"]), [b"c"])


def test_entries_appended_one_at_a_time() -> None:
    entries = numbered_entries(SMALL)
    stored: dict[int, bytes] = {}
    for size, entry in enumerate(entries):
        edge_bundle = stored.get(size // 256, b"")
        assert tiles.append_entries(size, edge_bundle, [entry]) == {
            size // 256: tiles.encode_bundle(entries[size // 256 * 256 : size + 1])
        }
        stored.update(tiles.append_entries(size, edge_bundle, [entry]))
    assert [len(tiles.decode_bundle(stored[n])) for n in sorted(stored)] == [256, 256, 88]


def test_one_entry_is_read_from_a_bundle_without_decoding_the_rest() -> None:
    entries = [bytes([n]) * n for n in range(1, 40)]
    bundle = tiles.encode_bundle(entries)
    assert [tiles.bundle_entry(bundle, n) for n in range(len(entries))] == entries
    with pytest.raises(tiles.TileError, match="no entry 39"):
        tiles.bundle_entry(bundle, 39)


def test_a_bundle_prefix_is_the_bundle_of_its_first_entries() -> None:
    entries = [bytes([n]) * n for n in range(1, 40)]
    bundle = tiles.encode_bundle(entries)
    for width in (0, 1, 17, 39):
        assert tiles.bundle_prefix(bundle, width) == tiles.encode_bundle(entries[:width])
    with pytest.raises(tiles.TileError):
        tiles.bundle_prefix(bundle, 40)
