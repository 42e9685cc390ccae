"""Where `registry verify` reads the registry: the local database, or a deployment's public
routes (the same documents, over HTTP)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import Engine

from carbonledger import db
from carbonledger.market import documents


class LocalRegistry:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def document(self) -> dict[str, Any]:
        with db.read(self.engine) as conn:
            return documents.registry_document(conn)

    def leaves(self, number: int) -> list[tuple[int, int]]:
        with db.read(self.engine) as conn:
            return documents.lot_leaves(conn, number)


class HttpRegistry:
    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=120)

    def close(self) -> None:
        self.http.close()

    def _get(self, path: str) -> Any:
        response = self.http.get(path)
        response.raise_for_status()
        return response.json()

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = self._get("/api/v1/market/registry")
        return body

    def leaves(self, number: int) -> list[tuple[int, int]]:
        body = self._get(f"/api/v1/market/lots/{number}/leaves")
        return [(int(index), int(mg)) for index, mg in body["leaves"]]
