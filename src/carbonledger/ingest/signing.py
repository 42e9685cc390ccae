"""Partner request signing (PARTNER_API.md §1). Pure.

A partner signs, with its Ed25519 key, the UTF-8 string
`{METHOD}\\n{PATH}\\n{TIMESTAMP}\\n{NONCE}\\n{SHA256_HEX_OF_BODY}` and sends the signature in
`X-Signature`. Because the platform only holds public keys, it can prove which partner sent a
record and cannot forge one.

Version 2 (header `X-Signature-Version: 2`) signs `v2\\n{PARTNER_ID}\\n` followed by the same
string, so a signature made for one partner never verifies as another's, whatever keys they
hold. A request without the header is version 1, as every client before it signed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HEADERS = ("X-Partner-Id", "X-Timestamp", "X-Nonce", "X-Signature")
VERSION_HEADER = "X-Signature-Version"
VERSIONS = (1, 2)
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_PUBLIC_KEY_BYTES = 32


class SigningError(ValueError):
    """A request's signature headers are malformed or do not verify; `code` is the wire code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """The four signature headers of one request, checked for shape."""

    partner_id: str
    timestamp: int
    nonce: str
    signature: bytes
    version: int = 1


def string_to_sign(
    method: str, path: str, timestamp: int, nonce: str, body: bytes, partner_id: str | None = None
) -> bytes:
    """The exact bytes a partner signs; `path` includes the query string as sent. With
    `partner_id`, version 2: the partner's id is bound into what is signed."""
    digest = hashlib.sha256(body).hexdigest()
    signed = f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{digest}"
    return (signed if partner_id is None else f"v2\n{partner_id}\n{signed}").encode()


def sign(
    key: Ed25519PrivateKey,
    method: str,
    path: str,
    timestamp: int,
    nonce: str,
    body: bytes,
    partner_id: str | None = None,
) -> str:
    """The `X-Signature` value for a request (what a partner's client computes); version 2
    when `partner_id` is given."""
    message = string_to_sign(method, path, timestamp, nonce, body, partner_id)
    return base64.b64encode(key.sign(message)).decode()


def parse_headers(headers: dict[str, str]) -> SignedRequest:
    """Read the four headers (case-insensitively) or say which one is missing or malformed."""
    lowered = {name.lower(): value for name, value in headers.items()}
    missing = [name for name in HEADERS if not lowered.get(name.lower())]
    if missing:
        raise SigningError(
            "missing_header", f"the request lacks the header(s) {', '.join(missing)}"
        )
    raw_timestamp = lowered["x-timestamp"]
    if not raw_timestamp.isdigit():
        raise SigningError("missing_header", "X-Timestamp must be Unix time in whole seconds")
    nonce = lowered["x-nonce"]
    if not _NONCE.match(nonce):
        raise SigningError("missing_header", "X-Nonce must be 16 to 64 characters of [A-Za-z0-9_-]")
    try:
        signature = base64.b64decode(lowered["x-signature"], validate=True)
    except binascii.Error:
        raise SigningError("bad_signature", "X-Signature must be base64") from None
    version = lowered.get(VERSION_HEADER.lower(), "1").strip()
    if version not in {str(known) for known in VERSIONS}:
        raise SigningError("missing_header", f"{VERSION_HEADER} must be 1 or 2, or left out")
    partner_id = lowered["x-partner-id"]
    return SignedRequest(partner_id, int(raw_timestamp), nonce, signature, int(version))


def check_timestamp(timestamp: int, now: float, window_seconds: int) -> None:
    if abs(now - timestamp) > window_seconds:
        raise SigningError(
            "stale_timestamp",
            f"X-Timestamp {timestamp} is more than {window_seconds} s from the server clock "
            f"({int(now)}); check the client's clock",
        )


def verify(public_key: bytes, request: SignedRequest, method: str, path: str, body: bytes) -> None:
    """Raise `bad_signature` unless the partner's key signed exactly this request."""
    bound = request.partner_id if request.version == 2 else None
    message = string_to_sign(method, path, request.timestamp, request.nonce, body, bound)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(request.signature, message)
    except (InvalidSignature, ValueError):
        raise SigningError(
            "bad_signature",
            "the signature does not verify with this partner's registered key for "
            + ("v2\\nPARTNER_ID\\n" if bound else "")
            + "METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nSHA256_HEX_OF_BODY",
        ) from None


def parse_public_key(value: str) -> bytes:
    """A partner's public key as registered: raw 32 bytes in base64."""
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ValueError("the public key must be base64 of the raw 32-byte Ed25519 key") from None
    if len(raw) != _PUBLIC_KEY_BYTES:
        raise ValueError(f"an Ed25519 public key has 32 bytes; this one has {len(raw)}")
    Ed25519PublicKey.from_public_bytes(raw)
    return raw


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()
