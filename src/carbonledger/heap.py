"""The process's heap after start-up, kept out of the garbage collector's way."""

from __future__ import annotations

import gc


def freeze_startup() -> None:
    """Collect once, then move every object alive (the modules, the app, the platform and what
    it has loaded) into the collector's permanent generation, which no later collection walks.
    A full collection walks every tracked object still alive: before, that was an eighth of
    the crediting time in the ingest benchmark (0.5 s of 3.9 s); after, 0.02 s. Called by the
    server and the demo once they are built; objects made later are collected as before."""
    gc.collect()
    gc.freeze()
