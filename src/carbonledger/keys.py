"""The platform's secret keys, each a file of random bytes in `<data_dir>/secrets` created on first
use with mode 0600 and never logged.

- `log.key`: the Ed25519 seed that signs checkpoints.
- `hash.key`: the HMAC key for looking up phone and ID numbers without storing them.
- `data.key`: the AES-256-GCM key that encrypts names and phone numbers at rest.
- `session.key`: the key that signs login sessions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_KEY_BYTES = 32


def load_or_create_key(path: Path) -> bytes:
    """The 32 random bytes in `path`, created with mode 0600 if the file does not exist."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = os.urandom(_KEY_BYTES)
        try:
            # O_EXCL: when two processes start together, the first one's key wins for both.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return load_or_create_key(path)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    if len(data) != _KEY_BYTES:
        raise RuntimeError(f"{path} must hold exactly {_KEY_BYTES} bytes; it holds {len(data)}")
    return data


@dataclass(frozen=True, repr=False)
class Keys:
    """The key material of one data directory. `repr` is withheld so keys never reach a log."""

    log_seed: bytes
    hash_key: bytes
    data_key: bytes
    session_key: bytes

    @classmethod
    def load(cls, directory: Path) -> Keys:
        return cls(
            log_seed=load_or_create_key(directory / "log.key"),
            hash_key=load_or_create_key(directory / "hash.key"),
            data_key=load_or_create_key(directory / "data.key"),
            session_key=load_or_create_key(directory / "session.key"),
        )

    def __repr__(self) -> str:
        return "Keys(<withheld>)"
