"""Request signing: the string to sign, header parsing and every refusal."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from carbonledger.ingest import signing


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _headers(key: Ed25519PrivateKey, body: bytes, path: str = "/api/v1/records") -> dict[str, str]:
    sig = signing.sign(key, "POST", path, 1_700_000_000, "n" * 16, body)
    return {
        "X-Partner-Id": "mobike",
        "X-Timestamp": "1700000000",
        "X-Nonce": "n" * 16,
        "X-Signature": sig,
    }


def test_string_to_sign_is_the_contract_form() -> None:
    body = b'{"records":[]}'
    digest = hashlib.sha256(body).hexdigest()
    expected = f"POST\n/api/v1/partner/ledger?from=2026-11-01\n1700000000\nabc\n{digest}"
    assert (
        signing.string_to_sign(
            "post", "/api/v1/partner/ledger?from=2026-11-01", 1700000000, "abc", body
        )
        == expected.encode()
    )


def test_empty_body_hashes_zero_bytes() -> None:
    assert signing.string_to_sign("GET", "/x", 1, "n", b"").endswith(
        b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_a_signed_request_verifies(key: Ed25519PrivateKey) -> None:
    body = b"{}"
    request = signing.parse_headers(_headers(key, body))
    signing.verify(_public(key), request, "POST", "/api/v1/records", body)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/records", b"{}"),
        ("POST", "/api/v1/links", b"{}"),
        ("POST", "/api/v1/records", b"{ }"),
    ],
)
def test_any_change_breaks_the_signature(
    key: Ed25519PrivateKey, method: str, path: str, body: bytes
) -> None:
    request = signing.parse_headers(_headers(key, b"{}"))
    with pytest.raises(signing.SigningError) as raised:
        signing.verify(_public(key), request, method, path, body)
    assert raised.value.code == "bad_signature"


def test_another_key_is_refused(key: Ed25519PrivateKey) -> None:
    request = signing.parse_headers(_headers(key, b"{}"))
    other = _public(Ed25519PrivateKey.generate())
    with pytest.raises(signing.SigningError, match="does not verify"):
        signing.verify(other, request, "POST", "/api/v1/records", b"{}")


@pytest.mark.parametrize("missing", signing.HEADERS)
def test_each_missing_header_is_named(key: Ed25519PrivateKey, missing: str) -> None:
    headers = _headers(key, b"")
    del headers[missing]
    with pytest.raises(signing.SigningError) as raised:
        signing.parse_headers(headers)
    assert raised.value.code == "missing_header"
    assert missing in str(raised.value)


@pytest.mark.parametrize("nonce", ["short", "x" * 65, "has space in it!!", "ümlaut-ümlaut-ümlaut"])
def test_malformed_nonces_are_refused(key: Ed25519PrivateKey, nonce: str) -> None:
    headers = _headers(key, b"") | {"X-Nonce": nonce}
    with pytest.raises(signing.SigningError, match="X-Nonce"):
        signing.parse_headers(headers)


def test_headers_are_case_insensitive(key: Ed25519PrivateKey) -> None:
    headers = {name.lower(): value for name, value in _headers(key, b"").items()}
    assert signing.parse_headers(headers).partner_id == "mobike"


@pytest.mark.parametrize(
    ("drift", "stale"), [(0, False), (300, False), (-300, False), (301, True), (-301, True)]
)
def test_timestamp_window(drift: int, stale: bool) -> None:
    if stale:
        with pytest.raises(signing.SigningError) as raised:
            signing.check_timestamp(1000, 1000 + drift, 300)
        assert raised.value.code == "stale_timestamp"
    else:
        signing.check_timestamp(1000, 1000 + drift, 300)


def test_public_keys_must_be_32_raw_bytes(key: Ed25519PrivateKey) -> None:
    assert signing.parse_public_key(signing.public_key_b64(key)) == _public(key)
    with pytest.raises(ValueError, match="32 bytes"):
        signing.parse_public_key(base64.b64encode(b"x" * 31).decode())
    with pytest.raises(ValueError, match="base64"):
        signing.parse_public_key("not base64!")


def test_version_2_binds_the_partner_id(key: Ed25519PrivateKey) -> None:
    body = b"{}"
    sig = signing.sign(key, "POST", "/api/v1/records", 1_700_000_000, "n" * 16, body, "mobike")
    headers = {
        "X-Partner-Id": "mobike",
        "X-Timestamp": "1700000000",
        "X-Nonce": "n" * 16,
        "X-Signature": sig,
        "X-Signature-Version": "2",
    }
    signing.verify(_public(key), signing.parse_headers(headers), "POST", "/api/v1/records", body)
    # The same signature sent as another partner holding the very same key does not verify.
    resent = signing.parse_headers({**headers, "X-Partner-Id": "ofo"})
    with pytest.raises(signing.SigningError) as raised:
        signing.verify(_public(key), resent, "POST", "/api/v1/records", body)
    assert raised.value.code == "bad_signature"
    assert "PARTNER_ID" in str(raised.value)
    # Nor as version 1: the string signed differs.
    as_v1 = signing.parse_headers({**headers, "X-Signature-Version": "1"})
    with pytest.raises(signing.SigningError):
        signing.verify(_public(key), as_v1, "POST", "/api/v1/records", body)
    with pytest.raises(signing.SigningError) as unknown:
        signing.parse_headers({**headers, "X-Signature-Version": "3"})
    assert unknown.value.code == "missing_header"
