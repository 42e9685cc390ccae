"""Health, readiness and metrics latency: `/healthz`, `/readyz` and `/metrics` over HTTP on a
served platform with a populated city, on SQLite and PostgreSQL.

    .venv/bin/python bench/health.py [--citizens 2000] [--calls 300] [--backend both]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledgers import timed
from support import fresh_platform, percentile, populate, served

TOKEN = "bench-token"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for round_, backend in enumerate(backends):
        with fresh_platform(backend, metrics_token=TOKEN) as platform:
            populate(platform, args.citizens, 0.97)
            with (
                served(platform, 18700 + round_) as url,
                httpx.Client(base_url=url, timeout=10) as http,
            ):
                for path, headers in (
                    ("/healthz", {}),
                    ("/readyz", {}),
                    ("/metrics", {"Authorization": f"Bearer {TOKEN}"}),
                ):
                    took = timed(http, path, headers, args.calls)
                    print(
                        f"[{backend}] {path:9} p50 {percentile(took, 0.5):6.1f} ms   "
                        f"p99 {percentile(took, 0.99):6.1f} ms   max {max(took):6.1f} ms"
                    )


if __name__ == "__main__":
    main()
