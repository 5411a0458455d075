"""Start-up: time from process start to polling with a database of 1M records. The bot runs as a
real process (`building-bot run`) against a small Bot API server on 127.0.0.1; the clock stops at
its first getUpdates.

Run: .venv/bin/python bench/startup.py [RECORDS]   (default 1,000,000)
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import tornado.httpserver
import tornado.netutil
import tornado.web
from common import ROOT, bench_config, seed_records, seed_street, utc_now

from bot.localapi import LocalBotApi
from bot.services import Services


class FirstPoll(tornado.web.RequestHandler):
    def initialize(self, api: LocalBotApi, polled: asyncio.Event) -> None:
        self.api = api
        self.polled = polled

    async def post(self, token: str, method: str) -> None:
        params = {}
        for key, values in self.request.body_arguments.items():
            raw = values[0].decode()
            try:
                params[key] = json.loads(raw)
            except ValueError:
                params[key] = raw
        if method == "getUpdates":
            self.polled.set()
            await asyncio.sleep(0.2)
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps({"ok": True, "result": self.api.handle(method, params)}))


async def main(records: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    path = folder / "bot.sqlite3"
    services = Services.create(bench_config(path))
    await services.start()
    await seed_street(services.db, 50, 200, utc_now())
    for done in range(0, records, 250_000):
        await seed_records(services.db, min(250_000, records - done), utc_now(), seed=done)
    await services.stop()

    polled = asyncio.Event()
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    server = tornado.httpserver.HTTPServer(
        tornado.web.Application([(r"/bot([^/]+)/(\w+)", FirstPoll, {"api": LocalBotApi(), "polled": polled})])
    )
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    config = folder / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "1:bench"\nbase_url = "http://127.0.0.1:{port}/bot"\n[storage]\npath = "{path}"\n',
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
        server.stop()
    print(
        f"startup: {records:,} records ({path.stat().st_size / 1e6:.0f} MB): process start to first getUpdates {elapsed:.2f} s"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
