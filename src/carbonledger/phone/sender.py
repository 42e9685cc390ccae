"""Delivering a text message to a phone. A deployment names its sender in the `sms_sender`
setting: `file` (the default) appends each message as a JSON line to `<data dir>/sms/outbox.jsonl`,
or `module:factory`, a callable taking the settings and returning a `Sender` — the place for a
real SMS gateway's client. A sender is called outside any transaction."""

from __future__ import annotations

import importlib
import json
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Protocol

from carbonledger.config import Settings

OUTBOX = Path("sms") / "outbox.jsonl"


class Sender(Protocol):
    def send(self, phone: str, text: str, at: datetime) -> None:
        """Deliver `text` to `phone` (11 digits), or raise."""


class FileSender:
    """Each message as one JSON line in a file: for a demo, a test, or a deployment without a
    gateway yet."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, phone: str, text: str, at: datetime) -> None:
        line = json.dumps({"at": at.isoformat(), "phone": phone, "text": text}, ensure_ascii=False)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")


def sender_of(settings: Settings) -> Sender:
    """The sender the settings name."""
    name = settings.sms_sender.strip() or "file"
    if name == "file":
        return FileSender(settings.data_dir / OUTBOX)
    module, _, factory = name.partition(":")
    if not module or not factory:
        raise ValueError(f"sms_sender is `file` or `module:factory`, not {name!r}")
    made: Sender = getattr(importlib.import_module(module), factory)(settings)
    return made


def sent_to(settings: Settings, phone: str) -> list[str]:
    """The texts the file sender wrote to `phone`, oldest first (for the demo and tests)."""
    path = settings.data_dir / OUTBOX
    if not path.is_file():
        return []
    lines = (json.loads(line) for line in path.read_text("utf-8").splitlines() if line)
    return [line["text"] for line in lines if line["phone"] == phone]
