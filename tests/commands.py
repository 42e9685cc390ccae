"""Running `carbonledger` as an operator would: a real process, settings from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(
    data_dir: Path, *args: str, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, CARBONLEDGER_DATA_DIR=str(data_dir), **env)
    if "CARBONLEDGER_DATABASE_URL" not in env:
        environment.pop("CARBONLEDGER_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "carbonledger.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
    )
