"""A verifier's signature on a lot's manifest: Ed25519 over `MANIFEST_CONTEXT` and the
manifest's canonical JSON (manifest.py). Pure. A verifier keeps its own private key, as a file
holding the base64 of its 32-byte seed, and signs with `carbonledger registry sign`."""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from carbonledger.market.manifest import Manifest


class BadSignature(ValueError):
    """The signature or key is not what it must be; the message says which and why."""


def new_seed() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes_raw()


def public_key(seed: bytes) -> bytes:
    return (
        Ed25519PrivateKey.from_private_bytes(seed)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )


def sign(seed: bytes, manifest: Manifest) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).sign(manifest.signed_bytes())


def decode_key(text: str, what: str = "public key") -> bytes:
    """A 32-byte key from its base64; BadSignature when it is not one."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadSignature(f"the {what} is not base64") from None
    if len(key) != 32:
        raise BadSignature(f"the {what} must be 32 bytes (Ed25519), not {len(key)}")
    return key


def decode_signature(text: str) -> bytes:
    try:
        signature = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadSignature("the signature is not base64") from None
    if len(signature) != 64:
        raise BadSignature(f"an Ed25519 signature is 64 bytes, not {len(signature)}")
    return signature


def check(key: bytes, manifest: Manifest, signature: bytes) -> None:
    """Raise BadSignature unless `signature` is `key`'s over this manifest."""
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, manifest.signed_bytes())
    except (InvalidSignature, ValueError):
        raise BadSignature(
            f"the signature does not verify under the verifier's registered key over lot "
            f"{manifest.lot}'s manifest (digest {manifest.leaves_digest[:12]}…); sign the "
            "manifest as published, with the key registered for this verifier"
        ) from None
