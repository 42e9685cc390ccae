"""The local PostgreSQL cluster of deploy/ha/cluster.sh (etcd, two PostgreSQL 15 nodes under
Patroni, synchronous replication) for a test: started in a fresh directory on free ports, asked
which node leads, and its nodes killed the way a crash kills them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "ha" / "cluster.sh"
NODES = ("node1", "node2")
REQUIRE = os.environ.get("CARBONLEDGER_REQUIRE_POSTGRES") == "1"


def missing_programs() -> list[str]:
    return [name for name in ("patroni", "etcd", "setpriv", "curl") if shutil.which(name) is None]


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_base() -> int:
    """A base port whose cluster ports (base … base+13) are all free."""
    for base in range(21000 + os.getpid() % 400 * 20, 60000, 40):
        if all(_free(base + offset) for offset in (0, 1, 2, 3, 12, 13)):
            return base
    raise RuntimeError("no free ports for the cluster")


class Cluster:
    def __init__(self) -> None:
        problems = missing_programs()
        if problems:
            message = f"the HA cluster needs {', '.join(problems)} (Debian packages)"
            if REQUIRE:
                pytest.fail(message)
            pytest.skip(message)
        # Not under pytest's private temporary directory: the nodes run as the postgres user.
        self.dir = Path(tempfile.mkdtemp(prefix="carbonledger-ha-"))
        self.base = _free_base()

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [str(SCRIPT), args[0], str(self.dir), *args[1:]],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"cluster.sh {args[0]} failed: {done.stderr}{self._logs()}")
        return done.stdout

    def _logs(self) -> str:
        tails = []
        for node in NODES:
            log = self.dir / node / "patroni.log"
            if log.exists():
                tails.append(f"\n--- {node}\n" + "\n".join(log.read_text().splitlines()[-15:]))
        return "".join(tails)

    def start(self) -> None:
        self._run("start", str(self.base))

    def stop(self) -> None:
        self._run("stop")
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return self._run("url").strip()

    @property
    def read_url(self) -> str:
        """Both nodes, a standby preferred: for reads that may lag."""
        return self.url.replace(
            "target_session_attrs=read-write", "target_session_attrs=prefer-standby"
        )

    def port(self, node: str) -> int:
        return int((self.dir / "ports" / node).read_text())

    def _answers(self, node: str, check: str) -> bool:
        try:
            rest = self.port(f"{node}-rest")
            return httpx.get(f"http://127.0.0.1:{rest}/{check}", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def primary(self) -> str | None:
        return next((node for node in NODES if self._answers(node, "primary")), None)

    def has_sync_standby(self) -> bool:
        return any(self._answers(node, "sync") for node in NODES)

    def postgres_pid(self, node: str) -> int:
        return int((self.dir / node / "data" / "postmaster.pid").read_text().split()[0])

    def patroni_pid(self, node: str) -> int:
        return int((self.dir / node / "patroni.pid").read_text())

    def kill_postgres(self, node: str) -> None:
        """SIGKILL the node's PostgreSQL server; Patroni on that node lives on."""
        os.kill(self.postgres_pid(node), signal.SIGKILL)

    def kill_node(self, node: str) -> None:
        """SIGKILL the node's Patroni and its PostgreSQL at once, as when the host dies."""
        postgres = self.postgres_pid(node)
        os.kill(self.patroni_pid(node), signal.SIGKILL)
        os.kill(postgres, signal.SIGKILL)

    def start_node(self, node: str) -> None:
        self._run("node", node)

    def wait(self, condition: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        checks = {
            "primary": lambda: self.primary() is not None,
            "sync": lambda: self.primary() is not None and self.has_sync_standby(),
        }
        while not checks[condition]():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {condition} within {timeout} s{self._logs()}")
            time.sleep(0.2)
