"""Start-up: time from process start to polling with a database of 1M records. The bot runs as a
real process (`building-bot run`) against the local Bot API served on 127.0.0.1; the clock stops
at its first getUpdates.

Run: .venv/bin/python bench/startup.py [RECORDS]   (default 1,000,000)
"""

from __future__ import annotations

import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, bench_config, seed_records, seed_street, utc_now

from bot.runtime.localapi import LocalBotApi
from bot.runtime.localapi_http import HttpBotApi
from bot.services import Services


async def main(records: int) -> None:
    logging.getLogger("tornado").setLevel(logging.CRITICAL)  # the server's view of the bot being stopped
    folder = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    path = folder / "bot.sqlite3"
    services = Services.create(bench_config(path))
    await services.start()
    await seed_street(services.db, 50, 200, utc_now())
    for done in range(0, records, 250_000):
        await seed_records(services.db, min(250_000, records - done), utc_now(), seed=done)
    await services.stop()

    polled = asyncio.Event()

    def observe(token: str, method: str, params: dict) -> None:
        if method == "getUpdates":
            polled.set()

    async with HttpBotApi(LocalBotApi(), observe) as server:
        config = folder / "config.toml"
        config.write_text(
            f'[telegram]\ntoken = "1:bench"\nbase_url = "{server.base_url}"\n[storage]\npath = "{path}"\n',
            encoding="utf-8",
        )
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config),
            cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            await asyncio.wait_for(polled.wait(), timeout=120)
            elapsed = time.perf_counter() - started
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=30)
    size = path.stat().st_size / 1e6
    print(f"startup: {records:,} records ({size:.0f} MB): process start to first getUpdates {elapsed:.2f} s")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
