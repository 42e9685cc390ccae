"""A partner's client for the signed API (PARTNER_API.md §1): signs every request with the
partner's Ed25519 key, in signing version 2 (the partner's id bound into the signature). Used by
the simulator, the benchmarks and the tests; a partner can use it as the reference for its own
client."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonledger.ingest.signing import VERSION_HEADER, sign


def new_nonce() -> str:
    return os.urandom(18).hex()


class PartnerClient:
    """Signed requests to one deployment as one partner."""

    def __init__(
        self, base_url: str, partner_id: str, key: Ed25519PrivateKey, *, timeout: float = 60.0
    ) -> None:
        self.partner_id = partner_id
        self.key = key
        self.http = httpx.Client(base_url=base_url, timeout=timeout)

    def headers(
        self,
        method: str,
        path: str,
        body: bytes,
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
    ) -> dict[str, str]:
        """The four signature headers for a request."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        nonce = nonce or new_nonce()
        return {
            "X-Partner-Id": self.partner_id,
            "X-Timestamp": str(timestamp),
            "X-Nonce": nonce,
            "X-Signature": sign(self.key, method, path, timestamp, nonce, body, self.partner_id),
            VERSION_HEADER: "2",
            "Content-Type": "application/json",
        }

    def signed(
        self, method: str, path: str, payload: Any = None, **sign_options: Any
    ) -> tuple[bytes, dict[str, str]]:
        """A request's body (the payload's JSON) and its signature headers, ready to send."""
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        return body, self.headers(method, path, body, **sign_options)

    def request(
        self, method: str, path: str, payload: Any = None, **sign_options: Any
    ) -> httpx.Response:
        body, headers = self.signed(method, path, payload, **sign_options)
        return self.http.request(method, path, content=body, headers=headers)

    def submit(self, records: list[dict[str, Any]]) -> httpx.Response:
        return self.request("POST", "/api/v1/records", {"records": records})

    def link(self, user: str, code: str) -> httpx.Response:
        return self.request("POST", "/api/v1/links", {"user": user, "code": code})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> PartnerClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
