"""Hash tiles and entry bundles of the log (C2SP tlog-tiles). Pure.

Tile `n` of level `l` holds, for i in 0..255,

    MTH(D[(n*256 + i) * 256**l : (n*256 + i + 1) * 256**l]),

so level 0 holds leaf hashes and level l the hashes of the tree nodes at height 8*l. A tile's
stored data is its hashes concatenated; the rightmost tile of each level may be partial (1 to
255 hashes) and grows in place, so the data stored for `(level, index)` is always that tile's
current content and a partial tile of width W is a prefix of it.

The writer keeps, per level, the data of the rightmost tile, index `(size >> 8*level) // 256`:
*the edge*. The edge alone gives the tree root, and appending needs only the edge.
Entry bundles hold the leaves themselves, each as a big-endian uint16 length and the bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from carbonledger.translog import merkle
from carbonledger.translog.merkle import EMPTY_ROOT, hash_level, node_hash, split_point

HASH_SIZE = merkle.HASH_SIZE
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF
_TILE_BYTES = TILE_WIDTH * HASH_SIZE
_ENTRY_LENGTH_BYTES = 2
# Seven 3-digit elements reach 10**21, beyond any 64-bit index; longer paths are refused.
_MAX_INDEX_ELEMENTS = 7
_INDEX = re.compile(r"((?:x[0-9]{3}/)*[0-9]{3})")
_TILE_SUFFIX = re.compile(_INDEX.pattern + r"(?:\.p/([1-9][0-9]{0,2}))?")


class TileError(ValueError):
    """A tile path, tile data or entry bundle is malformed or does not fit the tree size."""


# Paths


def _encode_index(index: int) -> str:
    if index < 0:
        raise ValueError(f"a tile index is not negative, got {index}")
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*(f"x{group}" for group in groups[:-1]), groups[-1]])


def _suffix(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"a tile is 1 to {TILE_WIDTH} wide, not {width}")
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """`tile/<L>/<N>[.p/<W>]`, e.g. level 0, index 1234067, width 5: tile/0/x001/x234/067.p/5."""
    if not 0 <= level <= MAX_LEVEL:
        raise ValueError(f"a tile level is 0 to {MAX_LEVEL}, not {level}")
    return f"tile/{level}/{_encode_index(index)}{_suffix(width)}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """`tile/entries/<N>[.p/<W>]`: the entry bundle of leaves index*256 to index*256 + width."""
    return f"tile/entries/{_encode_index(index)}{_suffix(width)}"


def parse_index(segments: str) -> int:
    """The tile index encoded as `x001/x234/067`: 3-digit elements, all but the last after x."""
    if _INDEX.fullmatch(segments) is None:
        raise TileError(
            f"{segments!r} is not a tile index: it must be 3-digit path elements, all but the "
            "last starting with x (e.g. x001/x234/067)"
        )
    if segments.count("/") >= _MAX_INDEX_ELEMENTS:
        raise TileError(f"{segments!r} is not a tile index: it has too many path elements")
    if segments.startswith("x000"):
        # A leading zero element would give a second path to the same tile.
        raise TileError(f"{segments!r} is not a tile index: drop the leading x000/")
    return int(segments.replace("x", "").replace("/", ""))


def parse_tile_suffix(path: str) -> tuple[int, int]:
    """(index, width) of the `x001/x234/067[.p/W]` part of a tile or entry bundle path; a full
    tile has width 256 and partial ones 1 to 255."""
    match = _TILE_SUFFIX.fullmatch(path)
    if match is None:
        raise TileError(
            f"{path!r} is not a tile address: expected an index such as x001/x234/067, "
            "optionally followed by .p/<width> with the width from 1 to 255"
        )
    index = parse_index(match.group(1))
    if match.group(2) is None:
        return index, TILE_WIDTH
    width = int(match.group(2))
    if width >= TILE_WIDTH:
        raise TileError(f"{path!r}: a partial tile is 1 to {TILE_WIDTH - 1} wide, not {width}")
    return index, width


# Hashes inside tiles


def _mth(hashes: bytes) -> bytes:
    """MTH over the concatenated `hashes` taken as the leaves of one RFC 9162 tree."""
    count = len(hashes) // HASH_SIZE
    if count & (count - 1) == 0:
        while len(hashes) > HASH_SIZE:
            hashes = hash_level(hashes)
        return hashes
    middle = split_point(count) * HASH_SIZE
    return node_hash(_mth(hashes[:middle]), _mth(hashes[middle:]))


def tile_root(data: bytes) -> bytes:
    """The root of the perfect subtree a full tile spans: the tile's entry one level up."""
    if len(data) != _TILE_BYTES:
        raise TileError(f"a full tile is {_TILE_BYTES} bytes, not {len(data)}")
    return _mth(data)


def _width(size: int, level: int) -> int:
    """How many hashes the rightmost tile of `level` holds in a tree of `size` leaves."""
    return (size >> (TILE_HEIGHT * level)) % TILE_WIDTH


def _levels(size: int) -> int:
    """How many tile levels a tree of `size` leaves has (some tile holds a hash)."""
    return (size.bit_length() + TILE_HEIGHT - 1) // TILE_HEIGHT


# Appending


@dataclass(frozen=True, slots=True)
class Appended:
    """The tree after an append: its size and root, every tile created or grown (with its full
    data) by `(level, index)`, and the new edge (level → rightmost tile data, maybe b"")."""

    size: int
    root: bytes
    tiles: dict[tuple[int, int], bytes]
    edge: dict[int, bytes]


def _edge_tile(size: int, edge: Mapping[int, bytes], level: int) -> bytes:
    data = edge.get(level, b"")
    width = _width(size, level)
    if len(data) != width * HASH_SIZE:
        raise TileError(
            f"the edge tile of level {level} is {len(data)} bytes but a tree of size {size} has "
            f"{width} hashes ({width * HASH_SIZE} bytes) there"
        )
    return data


def append(size: int, edge: Mapping[int, bytes], leaf_hashes: Sequence[bytes]) -> Appended:
    """Append leaf hashes to the tree of `size` leaves whose edge tiles are `edge`."""
    if size < 0:
        raise ValueError(f"a tree size is not negative, got {size}")
    for number, value in enumerate(leaf_hashes):
        if len(value) != HASH_SIZE:
            raise TileError(f"leaf hash #{number} is {len(value)} bytes, not {HASH_SIZE}")
    new_edge = {level: _edge_tile(size, edge, level) for level in range(_levels(size))}
    changed: dict[tuple[int, int], bytes] = {}
    carry = b"".join(leaf_hashes)
    level = 0
    while carry:
        # `carry` holds the new hashes of this level; every tile they fill yields one hash
        # of the level above.
        data = new_edge.get(level, b"") + carry
        first = (size >> (TILE_HEIGHT * level)) // TILE_WIDTH
        completed = []
        for number, start in enumerate(range(0, len(data), _TILE_BYTES)):
            tile = data[start : start + _TILE_BYTES]
            changed[(level, first + number)] = tile
            if len(tile) == _TILE_BYTES:
                completed.append(tile_root(tile))
        new_edge[level] = b"" if len(tile) == _TILE_BYTES else tile
        carry = b"".join(completed)
        level += 1
    new_size = size + len(leaf_hashes)
    return Appended(new_size, root_from_edge(new_size, new_edge), changed, new_edge)


def root_from_edge(size: int, edge: Mapping[int, bytes]) -> bytes:
    """MTH of the tree of `size` leaves from its edge tiles only. An edge tile may be longer
    than `size` needs (read after the tree grew); only its prefix is used."""
    if size < 0:
        raise ValueError(f"a tree size is not negative, got {size}")
    if size == 0:
        return EMPTY_ROOT
    return TileReader(size, lambda level, _index: edge.get(level, b"")).subtree(0, size)


# Reading


class TileReader:
    """Subtree hashes of the tree of `size` leaves, from tiles read through
    `read_tile(level, index)`, which returns a tile's stored data (a longer prefix than `size`
    needs is fine). Each tile is read at most once per reader, and a proof reads about one tile
    per level, at most two: one along the leaf's path and the rightmost one."""

    def __init__(self, size: int, read_tile: Callable[[int, int], bytes]) -> None:
        if size < 0:
            raise ValueError(f"a tree size is not negative, got {size}")
        self.size = size
        self._read_tile = read_tile
        self._tiles: dict[tuple[int, int], bytes] = {}

    def subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for an RFC 9162 subtree: `start` a multiple of the smallest power of
        two >= `end - start`, and the range perfect or ending at the tree size."""
        count = end - start
        if not 0 <= start < end <= self.size:
            raise ValueError(f"[{start}, {end}) is not a non-empty range of a tree of {self.size}")
        if start % (1 << (count - 1).bit_length()) or (count & (count - 1) and end != self.size):
            raise ValueError(f"[{start}, {end}) is not a subtree of the tree of size {self.size}")
        # The perfect subtrees of the range, largest first, one per set bit of its length.
        parts = []
        for height in reversed(range(count.bit_length())):
            if count >> height & 1:
                parts.append(self._perfect(start, height))
                start += 1 << height
        root = parts.pop()
        while parts:
            root = node_hash(parts.pop(), root)
        return root

    def _perfect(self, start: int, height: int) -> bytes:
        """The node of `height` over leaves from `start`: up to 128 hashes of one tile, hashed."""
        level = height // TILE_HEIGHT
        shift = TILE_HEIGHT * level
        index, offset = divmod(start >> shift, TILE_WIDTH)
        stop = offset + (1 << (height - shift))
        data = self._tile(level, index, stop)
        return _mth(data[offset * HASH_SIZE : stop * HASH_SIZE])

    def _tile(self, level: int, index: int, width: int) -> bytes:
        data = self._tiles.get((level, index))
        if data is None:
            data = self._read_tile(level, index)
            self._tiles[(level, index)] = data
        if len(data) < width * HASH_SIZE:
            raise TileError(
                f"{tile_path(level, index)} holds {len(data) // HASH_SIZE} hashes but the tree of "
                f"size {self.size} needs at least {width} there"
            )
        return data


# Entry bundles


def _encode_entry(entry: bytes) -> bytes:
    if len(entry) > MAX_ENTRY_SIZE:
        raise TileError(f"a log entry is at most {MAX_ENTRY_SIZE} bytes, not {len(entry)}")
    return len(entry).to_bytes(_ENTRY_LENGTH_BYTES, "big") + entry


def encode_bundle(entries: Sequence[bytes]) -> bytes:
    """An entry bundle: each entry as its big-endian uint16 length, then its bytes."""
    return b"".join([_encode_entry(entry) for entry in entries])


def decode_bundle(data: bytes) -> list[bytes]:
    """The entries of a bundle; refuses a truncated one or one of more than 256 entries."""
    entries: list[bytes] = []
    position = 0
    while position < len(data):
        if len(entries) == TILE_WIDTH:
            raise TileError(f"an entry bundle holds at most {TILE_WIDTH} entries")
        body = position + _ENTRY_LENGTH_BYTES
        if body > len(data):
            raise TileError(f"the entry bundle is truncated in the length of entry {len(entries)}")
        end = body + int.from_bytes(data[position:body], "big")
        if end > len(data):
            raise TileError(
                f"the entry bundle is truncated: entry {len(entries)} needs {end - body} bytes "
                f"but {len(data) - body} are left"
            )
        entries.append(data[body:end])
        position = end
    return entries


def _entry_end(data: bytes, position: int) -> tuple[int, int]:
    """(start of the length of entry `position`, end of that entry), by skipping those before."""
    at = 0
    for _ in range(position):
        if at + _ENTRY_LENGTH_BYTES > len(data):
            break
        at += _ENTRY_LENGTH_BYTES + int.from_bytes(data[at : at + _ENTRY_LENGTH_BYTES], "big")
    body = at + _ENTRY_LENGTH_BYTES
    end = body + int.from_bytes(data[at:body], "big")
    if body > len(data) or end > len(data):
        raise TileError(f"the entry bundle has no entry {position}")
    return at, end


def bundle_entry(data: bytes, position: int) -> bytes:
    """Entry `position` of a bundle, read by skipping the ones before it."""
    at, end = _entry_end(data, position)
    return data[at + _ENTRY_LENGTH_BYTES : end]


def bundle_prefix(data: bytes, width: int) -> bytes:
    """The bundle of the first `width` entries of `data` (TileError if it has fewer)."""
    return data[: _entry_end(data, width - 1)[1]] if width else b""


def append_entries(size: int, edge_bundle: bytes, entries: Sequence[bytes]) -> dict[int, bytes]:
    """Append `entries` to the log of `size` leaves whose rightmost bundle (index size // 256)
    is `edge_bundle`; returns every bundle created or grown, by index, with its full data."""
    width = size % TILE_WIDTH
    held = len(decode_bundle(edge_bundle))
    if held != width:
        raise TileError(f"the edge bundle holds {held} entries; a log of size {size} has {width}")
    changed: dict[int, bytes] = {}
    index, count, pending, grown = size // TILE_WIDTH, width, [edge_bundle], False
    for entry in entries:
        pending.append(_encode_entry(entry))
        count += 1
        grown = True
        if count == TILE_WIDTH:
            changed[index] = b"".join(pending)
            index, count, pending, grown = index + 1, 0, [], False
    if grown:
        changed[index] = b"".join(pending)
    return changed
