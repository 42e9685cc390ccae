"""Protection of personal data and bearer codes at rest: keyed hashes (HMAC-SHA256) to look a
phone, an ID number or a code up without storing it, AES-256-GCM to keep what must be shown back,
and the keyed pseudonym that stands for a citizen in the public log. Pure."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12
_PSEUDONYM_LABEL = b"carbonledger/pseudonym/v1"


def keyed_hash(key: bytes, purpose: str, value: str) -> bytes:
    """HMAC-SHA256 of `value`, separated by `purpose` so a phone hash never equals an ID hash."""
    return hmac.new(key, f"{purpose}\n{value}".encode(), hashlib.sha256).digest()


def keyed_digest(key: bytes, purpose: str, value: str) -> bytes:
    """`keyed_hash` of the SHA-256 (hex) of `value`. Link and attendance codes were once kept as
    their bare SHA-256, which a copy of the table lets anyone reverse by trying every 8-character
    code; keyed over that digest, the digests already stored are re-keyed without their codes."""
    return keyed_hash(key, purpose, hashlib.sha256(value.encode()).hexdigest())


def encrypt(key: bytes, plaintext: str, purpose: str) -> bytes:
    """nonce ‖ AES-GCM ciphertext; `purpose` is bound as associated data."""
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), purpose.encode())


def decrypt(key: bytes, blob: bytes, purpose: str) -> str:
    nonce, ciphertext = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
    return AESGCM(key).decrypt(nonce, ciphertext, purpose.encode()).decode()


def new_pseudonym_key() -> bytes:
    return os.urandom(32)


def pseudonym(pseudonym_key: bytes) -> str:
    """The citizen's 32-hex-character name in the log. Without the per-citizen key (destroyed when
    the account is deleted) nobody can tell whose leaves these are."""
    return hmac.new(pseudonym_key, _PSEUDONYM_LABEL, hashlib.sha256).hexdigest()[:32]
