"""The ASGI entry point for `uvicorn --factory carbonledger.server:app` (one per worker)."""

from __future__ import annotations

from fastapi import FastAPI

from carbonledger import heap
from carbonledger.app import create_app
from carbonledger.observability import logs
from carbonledger.platform import Platform


def app() -> FastAPI:
    logs.configure()
    built = create_app(Platform.open(upgrade=False))
    heap.freeze_startup()
    return built
