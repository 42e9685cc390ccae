"""C2SP signed-note: a text signed by one or more Ed25519 keys, each signature on its own line
after a blank line: `— <name> <base64(key id ‖ signature)>`. The key id is the first four bytes
of SHA-256(name ‖ 0x0A ‖ type ‖ public key); type 0x01 is Ed25519."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519_TYPE = 0x01
_DASH = "\u2014 "
_KEY_ID_SIZE = 4
_MAX_SIGNATURES = 100
_SPACE = 0x20


class NoteError(ValueError):
    """A note, key or signature is malformed or does not verify."""


def key_id(name: str, key_type: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()[
        :_KEY_ID_SIZE
    ]


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"a key name is non-empty, without '+' or spaces: {name!r}")


@dataclass(frozen=True)
class Verifier:
    """A public key that checks signatures of one name."""

    name: str
    key_id: bytes
    public_key: bytes
    key_type: int = ED25519_TYPE

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([self.key_type]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{encoded}"


@dataclass(frozen=True)
class Signer:
    """A private key that signs notes under a name."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)
    key_type: int = ED25519_TYPE

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.key_type, self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    def verifier(self) -> Verifier:
        return Verifier(self.name, self.key_id, self.public_key, self.key_type)

    def verifier_key(self) -> str:
        return self.verifier().vkey()


def signer_from_private_bytes(name: str, seed: bytes, key_type: int = ED25519_TYPE) -> Signer:
    _check_name(name)
    return Signer(name, Ed25519PrivateKey.from_private_bytes(seed), key_type)


def generate_signer(name: str, key_type: int = ED25519_TYPE) -> Signer:
    _check_name(name)
    return Signer(name, Ed25519PrivateKey.generate(), key_type)


def parse_verifier_key(vkey: str) -> Verifier:
    """`<name>+<hex key id>+<base64(type ‖ public key)>`."""
    parts = vkey.strip().split("+", 2)  # base64 may contain "+" itself
    if len(parts) != 3:
        raise NoteError("a verifier key reads <name>+<hex key id>+<base64 key>")
    name, hex_id, encoded = parts
    _check_name(name)
    try:
        claimed = bytes.fromhex(hex_id)
        raw = base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error):
        raise NoteError("the verifier key's id must be hex and its key base64") from None
    if len(claimed) != _KEY_ID_SIZE or len(raw) != 33:
        raise NoteError("the verifier key must have a 4-byte id and a 1+32-byte Ed25519 key")
    key_type, public = raw[0], raw[1:]
    if key_type not in (ED25519_TYPE, 0x04):
        raise NoteError(f"unsupported key type 0x{key_type:02x}")
    if key_id(name, key_type, public) != claimed:
        raise NoteError("the verifier key's id does not match its name and key")
    return Verifier(name, claimed, public, key_type)


def signature_line(name: str, kid: bytes, signature: bytes) -> str:
    return f"{_DASH}{name} {base64.b64encode(kid + signature).decode()}\n"


def sign_note(text: str, signers: list[Signer] | tuple[Signer, ...]) -> str:
    if not text.endswith("\n"):
        raise NoteError("a note's text ends with a newline")
    lines = [signature_line(s.name, s.key_id, s.sign(text.encode())) for s in signers]
    return text + "\n" + "".join(lines)


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes
    line: str


@dataclass(frozen=True)
class OpenedNote:
    text: str
    verified: tuple[Signature, ...]
    others: tuple[Signature, ...]


def split_note(note: str) -> tuple[str, list[Signature]]:
    """The text and the parsed signature lines of a note."""
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("a signed note is text, a blank line, then signature lines")
    if any(ord(c) < _SPACE and c != "\n" for c in note):
        raise NoteError("a signed note carries no control characters other than newline")
    text, block = note[: cut + 1], note[cut + 2 :]
    signatures = []
    for line in block.splitlines(keepends=True):
        if not line.startswith(_DASH) or not line.endswith("\n"):
            raise NoteError(f"malformed signature line {line!r}")
        name, _, encoded = line[len(_DASH) : -1].partition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError(f"signature of {name} is not base64") from None
        if len(raw) < _KEY_ID_SIZE + 1:
            raise NoteError(f"signature of {name} is too short")
        signatures.append(Signature(name, raw[:_KEY_ID_SIZE], raw[_KEY_ID_SIZE:], line))
    if not signatures or len(signatures) > _MAX_SIGNATURES:
        raise NoteError("a signed note carries 1 to 100 signatures")
    return text, signatures


def open_note(note: str, verifiers: list[Verifier] | tuple[Verifier, ...]) -> OpenedNote:
    """Verify a note: at least one signature must be by a known verifier and verify."""
    text, signatures = split_note(note)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified, others = [], []
    for signature in signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            others.append(signature)
            continue
        if verifier.key_type != ED25519_TYPE or not verifier.verify(
            text.encode(), signature.signature
        ):
            raise NoteError(f"the signature of {signature.name} does not verify")
        verified.append(signature)
    if not verified:
        raise NoteError("no signature by a known key")
    return OpenedNote(text, tuple(verified), tuple(others))
