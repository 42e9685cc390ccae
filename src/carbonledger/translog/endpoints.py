"""Public log routes (PARTNER_API.md §5): the signed checkpoint, C2SP tlog-tiles hash tiles and
entry bundles, the verifier key, single entries and proofs. No authentication; caching headers
let a CDN serve them (a tile or bundle at a given width never changes)."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.engine import Connection

from carbonledger import transactions
from carbonledger.accounts.dependencies import platform_of
from carbonledger.errors import InvalidInput, NotFound
from carbonledger.ingest.schemas import ErrorOut
from carbonledger.translog import merkle, proofs, publisher, tiles
from carbonledger.translog import repository as repo

router = APIRouter()
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "not there"}}

IMMUTABLE = "public, max-age=31536000, immutable"
_CHECKPOINT_CACHE = "public, max-age=1"
_KEY_CACHE = "public, max-age=86400"
_TILE_TYPE = "application/octet-stream"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _checkpoint_size(conn: Any) -> int:
    latest = repo.latest_checkpoint(conn)
    return int(latest.size) if latest else 0


@router.get(
    "/log/checkpoint",
    response_class=PlainTextResponse,
    responses=NOT_FOUND,
    summary="The latest checkpoint",
)
async def get_checkpoint(request: Request) -> Response:
    note = await transactions.read(request, publisher.served_note)
    if note is None:
        raise NotFound("the log has no checkpoint yet", code="no_checkpoint")
    return PlainTextResponse(note, headers={"Cache-Control": _CHECKPOINT_CACHE})


@router.get("/log/key", response_class=PlainTextResponse, summary="The log's verifier key")
async def get_key(request: Request) -> Response:
    vkey = platform_of(request).log_signer.verifier_key()
    return PlainTextResponse(vkey + "\n", headers={"Cache-Control": _KEY_CACHE})


def _tile_address(path: str) -> tuple[int, int]:
    """(index, width) of a tile path's `x001/x234/067[.p/W]` part."""
    try:
        return tiles.parse_tile_suffix(path)
    except ValueError as error:
        raise NotFound(f"not a tile path: {error}", code="unknown_tile") from None


def _bytes_response(data: bytes | None, width: int, unit: int | None) -> Response:
    if data is None:
        raise NotFound("no such tile", code="unknown_tile")
    if unit is not None:
        if len(data) < width * unit:
            raise NotFound("this tile is not that wide yet", code="unknown_tile")
        data = data[: width * unit]
    return Response(data, media_type=_TILE_TYPE, headers={"Cache-Control": IMMUTABLE})


@router.get("/log/tile/entries/{path:path}", responses=NOT_FOUND, summary="An entry bundle")
async def get_bundle(request: Request, path: str) -> Response:
    index, width = _tile_address(path)

    data = await transactions.read(request, lambda conn: repo.bundle(conn, index))
    if data is None:
        raise NotFound("no such entry bundle", code="unknown_tile")
    try:
        prefix = tiles.bundle_prefix(data, width)
    except tiles.TileError:
        raise NotFound("this entry bundle is not that wide yet", code="unknown_tile") from None
    return _bytes_response(prefix, width, None)


@router.get("/log/tile/{level}/{path:path}", responses=NOT_FOUND, summary="A hash tile")
async def get_tile(request: Request, level: int, path: str) -> Response:
    index, width = _tile_address(path)

    data = await transactions.read(request, lambda conn: repo.tile(conn, level, index))
    return _bytes_response(data, width, tiles.HASH_SIZE)


@router.get("/api/v1/log/entries/{index}", responses=NOT_FOUND, summary="One log entry")
async def get_entry(request: Request, index: int) -> JSONResponse:
    def read(conn: Connection) -> tuple[int, bytes | None]:
        size = _checkpoint_size(conn)
        if not 0 <= index < size:
            return size, None
        return size, repo.entry(conn, index)

    size, leaf = await transactions.read(request, read)
    if leaf is None:
        raise NotFound(
            f"no entry {index}: the latest checkpoint has {size} entries", code="unknown_entry"
        )
    return JSONResponse(
        {"index": index, "leaf": leaf.decode(), "leaf_hash": _b64(merkle.leaf_hash(leaf))},
        headers={"Cache-Control": IMMUTABLE},
    )


def _within_checkpoint(conn: Any, size: int) -> None:
    latest = _checkpoint_size(conn)
    if size > latest:
        raise InvalidInput(
            f"size {size} is beyond the latest checkpoint ({latest})", code="size_beyond_checkpoint"
        )


@router.get(
    "/api/v1/log/proof/inclusion", responses=NOT_FOUND, summary="Inclusion proof of an entry"
)
async def get_inclusion(
    request: Request, index: int = Query(ge=0), size: int = Query(ge=1)
) -> JSONResponse:
    if index >= size:
        raise InvalidInput(f"index {index} is not below size {size}", code="invalid_proof_request")

    def read(conn: Connection) -> dict[str, Any]:
        _within_checkpoint(conn, size)
        return {
            "index": index,
            "size": size,
            "root": _b64(proofs.root(conn, size)),
            "proof": [_b64(h) for h in proofs.inclusion(conn, index, size)],
        }

    return JSONResponse(
        await transactions.read(request, read), headers={"Cache-Control": IMMUTABLE}
    )


@router.get(
    "/api/v1/log/proof/consistency",
    responses=NOT_FOUND,
    summary="Consistency proof between two sizes",
)
async def get_consistency(
    request: Request, first: int = Query(ge=1), size: int = Query(ge=1)
) -> JSONResponse:
    if first > size:
        raise InvalidInput(
            f"first {first} is larger than size {size}", code="invalid_proof_request"
        )

    def read(conn: Connection) -> dict[str, Any]:
        _within_checkpoint(conn, size)
        return {
            "first": first,
            "size": size,
            "proof": [_b64(h) for h in proofs.consistency(conn, first, size)],
        }

    return JSONResponse(
        await transactions.read(request, read), headers={"Cache-Control": IMMUTABLE}
    )
