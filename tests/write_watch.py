"""Which functions run inside a write transaction: the engine says when a write transaction
begins and ends on a thread, and wrapped functions record whether one was open on theirs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event

from carbonledger import db


class WriteWatch:
    def __init__(self) -> None:
        self._local = threading.local()
        self.calls: dict[str, list[bool]] = {}
        self.writes = 0  # write transactions begun

    def _begin(self, conn: Any) -> None:
        if conn.get_execution_options().get(db.WRITE_OPTION, False):
            self._local.writing = True
            self.writes += 1

    def _end(self, _conn: Any) -> None:
        self._local.writing = False

    def forget(self) -> None:
        """Start counting afresh (the wrapped functions stay watched)."""
        for seen in self.calls.values():
            seen.clear()
        self.writes = 0

    def writing(self) -> bool:
        return bool(getattr(self._local, "writing", False))

    def wrap(self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
        """Record, for each call of `owner.name`, whether a write transaction was open."""
        original: Callable[..., Any] = getattr(owner, name)
        seen = self.calls.setdefault(name, [])

        def watched(*args: Any, **kwargs: Any) -> Any:
            seen.append(self.writing())
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, watched)

    @contextmanager
    def on(self, engine: Engine) -> Iterator[WriteWatch]:
        listeners = (("begin", self._begin), ("commit", self._end), ("rollback", self._end))
        for name, listener in listeners:
            event.listen(engine, name, listener)
        try:
            yield self
        finally:
            for name, listener in listeners:
                event.remove(engine, name, listener)
