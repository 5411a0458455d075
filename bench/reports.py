"""Report cost as data grows: the daily report and a 30-day export at 10k, 100k and 1M records
(medicine requests with their items, plus half as many group-buy orders and a tenth as many
shifts), SQLite on disk. Prints the times and how they grow (target: the 1M report under 300 ms).

Run: .venv/bin/python bench/reports.py [MAX_RECORDS]   (default 1,000,000)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from common import bench_config, seed_records, seed_street, utc_now

from bot.services import Services

SIZES = (10_000, 100_000, 1_000_000)


async def measure(path: Path, target: int, done: int) -> tuple[float, float, int]:
    services = Services.create(bench_config(path))
    await services.start()
    now = utc_now()
    if done == 0:
        await seed_street(services.db, 50, 200, now)
    await seed_records(services.db, target - done, now, seed=target)
    started = time.perf_counter()
    await services.reports.digest()
    await services.reports.activity()
    report = time.perf_counter() - started
    today = now.astimezone(services.config.schedule.tz).date()
    started = time.perf_counter()
    tables = await services.reports.export_tables(today - timedelta(days=29), today)
    export = time.perf_counter() - started
    await services.stop()
    return report, export, sum(len(rows) for _, rows in tables.values())


async def main(limit: int) -> None:
    path = Path(tempfile.mkdtemp(prefix="bench-reports-")) / "bot.sqlite3"
    done = 0
    previous = None
    for size in (s for s in SIZES if s <= limit):
        report, export, rows = await measure(path, size, done)
        done = size
        growth = ""
        if previous:
            growth = (
                f"; x{size // previous[0]} data: report x{report / previous[1]:.1f}, export x{export / previous[2]:.1f}"
            )
        print(
            f"reports: {size:>9,} records: daily report {report * 1000:8.1f} ms, 30-day export {export * 1000:8.1f} ms ({rows:,} rows){growth}"
        )
        previous = (size, report, export)
    print(
        f"reports: database {path.stat().st_size / 1e6:.0f} MB; target: the 1M report under 300 ms, growth no worse than linear"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else SIZES[-1]))
