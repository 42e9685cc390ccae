"""Where `verify` reads the log: a deployment over HTTP (as any auditor would) or the local
database (as the operator would, which also checks every stored checkpoint)."""

from __future__ import annotations

import base64

import httpx
from sqlalchemy import Engine

from carbonledger import db
from carbonledger.translog import publisher, tiles
from carbonledger.translog import repository as repo


class HttpSource:
    """The public routes of a deployment (PARTNER_API.md §5)."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=30)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> HttpSource:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _get(self, path: str) -> httpx.Response:
        response = self.http.get(path)
        response.raise_for_status()
        return response

    def checkpoint(self) -> str:
        return self._get("/log/checkpoint").text

    def key(self) -> str:
        return self._get("/log/key").text

    def bundle(self, index: int, width: int) -> bytes:
        return self._get("/log/" + tiles.entries_path(index, width)).content

    def tile(self, level: int, index: int, width: int) -> bytes:
        return self._get("/log/" + tiles.tile_path(level, index, width)).content

    def consistency(self, first: int, size: int) -> list[bytes] | None:
        body = self._get(f"/api/v1/log/proof/consistency?first={first}&size={size}").json()
        return [base64.b64decode(item) for item in body["proof"]]

    def checkpoints(self) -> list[tuple[int, str]]:
        return []


class LocalSource:
    """The stored tiles, bundles and every stored checkpoint of the local database."""

    def __init__(self, engine: Engine, verifier_key: str) -> None:
        self.engine = engine
        self.verifier_key = verifier_key

    def checkpoint(self) -> str:
        with db.read(self.engine) as conn:
            note = publisher.served_note(conn)
        if note is None:
            raise LookupError("the log has no checkpoint yet")
        return note

    def key(self) -> str:
        return self.verifier_key

    def bundle(self, index: int, width: int) -> bytes:
        with db.read(self.engine) as conn:
            data = repo.bundle(conn, index)
        if data is None:
            raise LookupError(f"entry bundle {index} is missing")
        return tiles.encode_bundle(tiles.decode_bundle(data)[:width])

    def tile(self, level: int, index: int, width: int) -> bytes:
        with db.read(self.engine) as conn:
            data = repo.tile(conn, level, index)
        return (data or b"")[: width * tiles.HASH_SIZE]

    def consistency(self, first: int, size: int) -> list[bytes] | None:
        return None

    def checkpoints(self) -> list[tuple[int, str]]:
        with db.read(self.engine) as conn:
            return repo.all_checkpoints(conn)
