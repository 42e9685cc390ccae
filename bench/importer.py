"""Import benchmark: records per second of `carbonledger import` from JSON Lines and from CSV
against the pipeline alone on the same records (batches of 1000), the rate of a run again over
the same file (every record replayed), and resident memory at each tenth of the file, on SQLite
and PostgreSQL.

    .venv/bin/python bench/importer.py [--records 100000] [--backend both]

The file is a synthetic city's weeks as one aggregating partner reports them: commutes, steps
from two counters, orders resent under new ids, a few implausible trips, 3 % of people not linked.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from carbonledger import clock, db
from carbonledger.ingest import pipeline
from carbonledger.ingest.filerows import rows
from carbonledger.ingest.importer import ImportSummary, import_rows
from carbonledger.platform import Platform
from carbonledger.simulate.city import City, user_id
from support import fresh_platform, populate, rss_mib

CITIZENS = 5_000
LINKED_SHARE = 0.97
PARTNER = "maps-a"
_COLUMNS = ("external_id", "user", "scenario", "occurred_at", "ended_at", "quantity", "region")
_EVIDENCE = ("evidence.key", "evidence.embodied_g")


def city_records(platform: Platform, total: int) -> Iterator[dict[str, Any]]:
    """`total` records of the city's last 25 days, as PARTNER reports them for everyone."""
    town = City(9, CITIZENS, platform.settings.zone, duplicate_share=0.15)
    first = (clock.now() - timedelta(days=25)).astimezone(platform.settings.zone).date()
    for count, report in enumerate(town.days(first, 25)):
        if count == total:
            return
        citizen = int(str(report.record["user"]).rsplit("-u", 1)[1])
        yield {**report.record, "user": user_id(PARTNER, citizen)}


def write_files(platform: Platform, folder: Path, total: int) -> tuple[Path, Path]:
    jsonl, table = folder / "records.jsonl", folder / "records.csv"
    with jsonl.open("w") as out_jsonl, table.open("w", newline="") as out_csv:
        writer = csv.writer(out_csv)
        writer.writerow(_COLUMNS + _EVIDENCE)
        for record in city_records(platform, total):
            out_jsonl.write(json.dumps(record, ensure_ascii=False) + "\n")
            evidence = record.get("evidence", {})
            writer.writerow(
                [record.get(c, "") for c in _COLUMNS] + [evidence.get(e[9:], "") for e in _EVIDENCE]
            )
    return jsonl, table


def run_pipeline(platform: Platform, total: int) -> float:
    """Records per second of pipeline.submit alone on the same records, batches of 1000."""
    records = list(city_records(platform, total))
    started = time.perf_counter()
    for start in range(0, len(records), 1000):
        batch = records[start : start + 1000]
        signed = pipeline.SignedBatch(PARTNER, 0, f"bench-{start}", b"", b"{}")
        now = clock.now()
        db.retrying(
            platform.engine,
            lambda conn, b=batch, s=signed, n=now: pipeline.submit(conn, platform, s, b, n),
        )
    return len(records) / (time.perf_counter() - started)


def read_alone(path: Path, file_format: str) -> float:
    """Records per second of what an import adds to the pipeline: reading and parsing the file
    and writing each batch's body."""
    started = time.perf_counter()
    count, batch = 0, []
    with path.open("rb") as stream:
        for row in rows(stream, file_format):
            batch.append(row.record)
            count += 1
            if len(batch) == 1000:
                json.dumps({"records": batch}, ensure_ascii=False, separators=(",", ":"))
                batch = []
    return count / (time.perf_counter() - started)


def run_import(platform: Platform, path: Path, file_format: str) -> tuple[ImportSummary, list[int]]:
    memory: list[int] = []
    tenth = max(1, sum(1 for _ in path.open("rb")) // 10)

    def sample(summary: ImportSummary) -> None:
        if summary.last_line // tenth > len(memory) - 1:
            memory.append(round(rss_mib()))

    with path.open("rb") as stream:
        summary = import_rows(
            platform,
            PARTNER,
            rows(stream, file_format),
            batch_size=1000,
            on_rejected=lambda _: None,
            on_batch=sample,
        )
    return summary, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory(prefix="carbonledger-import-") as tmp:
        for backend in backends:
            with fresh_platform(backend) as platform:
                populate(platform, CITIZENS, LINKED_SHARE)
                alone = run_pipeline(platform, args.records)
            print(f"[{backend}] pipeline alone: {alone:,.0f} records/s")
            files = write_files(platform, Path(tmp), args.records)
            for path, file_format in zip(files, ("jsonl", "csv"), strict=True):
                print(
                    f"[{backend}] reading and parsing {file_format} alone: "
                    f"{read_alone(path, file_format):,.0f} records/s"
                )
                with fresh_platform(backend) as platform:
                    populate(platform, CITIZENS, LINKED_SHARE)
                    summary, memory = run_import(platform, path, file_format)
                    again, _ = run_import(platform, path, file_format)
                outcome = dict(Counter(summary.statuses))
                print(
                    f"[{backend}] import {file_format} ({path.stat().st_size / 2**20:.0f} MiB): "
                    f"{summary.rate:,.0f} records/s = {summary.rate / alone:.2f} of the pipeline "
                    f"alone; outcome {outcome}"
                )
                print(
                    f"[{backend}] import {file_format} again (all {again.replayed} replayed): "
                    f"{again.rate:,.0f} records/s; RSS MiB at each tenth: {memory}"
                )


if __name__ == "__main__":
    main()
