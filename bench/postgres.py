"""The bot on PostgreSQL: throughput through the real Application against raw psycopg
insert-and-commit in the same run (ratio), one worker process against two over one database, and
the daily report at 1M records. It starts its own throwaway server from this machine's binaries
(tests/postgres.py), with durable settings (fsync and synchronous_commit on, as in production).

Run: .venv/bin/python bench/postgres.py [UPDATES] [REPORT_RECORDS]   (default 6,000 and 1,000,000;
or make bench). Without PostgreSQL's binaries it says so and is skipped.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path

from common import BUILDING_CHAT_BASE, COMMITTEE_ID, bench_config, seed_records, seed_street, utc_now
from telegram import Update
from telegram.ext import Application
from throughput import BUILDINGS, HOUSEHOLDS, mixed_updates, prepare

from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest, LocalUser
from bot.services import Services
from handlers import menus
from storage import copy_to_postgres, postgres

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.postgres import NoPostgres, PostgresServer, find_binaries  # the tests' server starter, from the repository

ROWS = 3_000  # raw inserts measured before and after the bot


def raw_rate(url: str, rows: int) -> float:
    """One psycopg INSERT and COMMIT per row (autocommit): rows per second."""
    with postgres.connect(url) as conn:
        raw = conn.raw
        raw.execute(
            "CREATE TABLE IF NOT EXISTS raw_baseline (id BIGSERIAL PRIMARY KEY, chat_id BIGINT, text TEXT, at TEXT)"
        )
        started = time.perf_counter()
        for n in range(rows):
            raw.execute(
                "INSERT INTO raw_baseline(chat_id, text, at) VALUES (%s, %s, %s)", (-n, "#接龙 1 2", "2026-04-10")
            )
        return rows / (time.perf_counter() - started)


async def open_buys(app: Application, api: LocalBotApi) -> None:
    """One open buy per building, numbered like its building (the orders of mixed_updates)."""
    admin = LocalUser(COMMITTEE_ID, "居委")
    for building in range(1, BUILDINGS + 1):
        opening = api.message_update(BUILDING_CHAT_BASE - building, admin, "#开团 蔬菜包 68元/份")
        await app.process_update(Update.de_json(opening, app.bot))


class Connections:
    """The connections the bot opens, by what they are for (told by the thread that opens them: the
    writer's, the chats' turns', or a reader's), with the statements and round trips of each."""

    def __init__(self) -> None:
        self.roles = {"db-writer": "writer", "db-turns": "turns"}
        self._opened: list[tuple[str, postgres.PgConnection]] = []

    def totals(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for role, conn in self._opened:
            counts[f"{role} statements"] += conn.statements
            counts[f"{role} round trips"] += conn.round_trips
        return counts

    @contextmanager
    def watched(self) -> Iterator[None]:
        connect = postgres.connect

        def counted(url: str) -> postgres.PgConnection:
            conn = connect(url)
            thread = threading.current_thread().name.rsplit("_", 1)[0]
            self._opened.append((self.roles.get(thread, "readers"), conn))
            return conn

        postgres.connect = counted
        try:
            yield
        finally:
            postgres.connect = connect


async def one_worker(url: str, count: int) -> tuple[float, float, Counter[str]]:
    """``count`` mixed updates through one Application over ``url``: seconds from first to last,
    the process's CPU seconds meanwhile, and the database's statements and round trips."""
    api = LocalBotApi()
    connections = Connections()
    with connections.watched():
        app = build_application(bench_config(url), LocalRequest(api))
        async with running(app):
            await menus.published(app)  # start-up's, in the background: the flood is measured alone
            await open_buys(app, api)
            payloads = mixed_updates(api, count, random.Random(42))
            before, cpu = connections.totals(), time.process_time()
            started = time.perf_counter()
            for payload in payloads:
                app.update_queue.put_nowait(Update.de_json(payload, app.bot))
            await app.update_queue.join()
            elapsed = time.perf_counter() - started
            return elapsed, time.process_time() - cpu, connections.totals() - before


def per_update(counts: Counter[str], count: int) -> str:
    """Statements and round trips per update, by connection."""
    return "; ".join(
        f"{role} {counts[f'{role} statements'] / count:.1f} statements in {counts[f'{role} round trips'] / count:.1f} round trips"
        for role in ("writer", "readers", "turns")
    )


def worker(url: str, payloads: list[dict], ready: Queue, start: Event, out: Queue) -> None:
    """One worker process: started and connected, it says so, waits for the signal, handles its
    updates and reports the seconds they took."""

    async def run() -> float:
        api = LocalBotApi()
        app = build_application(bench_config(url), LocalRequest(api))
        async with running(app):
            await menus.published(app)
            ready.put(True)
            await asyncio.to_thread(start.wait)
            started = time.perf_counter()
            for payload in payloads:
                app.update_queue.put_nowait(Update.de_json(payload, app.bot))
            await app.update_queue.join()
            return time.perf_counter() - started

    out.put(asyncio.run(run()))


def two_workers(url: str, payloads: list[dict]) -> float:
    """Two worker processes of one bot over one database, each with the updates of half the
    buildings (as a load balancer routing by chat would), started together: seconds until the
    slower is done."""
    halves = [[p for p in payloads if p["message"]["chat"]["id"] % 2 == parity] for parity in (0, 1)]
    spawn = multiprocessing.get_context("spawn")
    ready, start, out = spawn.Queue(), spawn.Event(), spawn.Queue()
    processes = [spawn.Process(target=worker, args=(url, half, ready, start, out)) for half in halves]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get()
    start.set()
    took = max(out.get() for _ in processes)
    for process in processes:
        process.join()
    return took


async def report_at(url: str, sqlite_path: Path, records: int) -> tuple[float, int]:
    """The daily report (digest and the chart's figures) at ``records`` medicine requests (with
    group-buy orders and shifts), seeded on SQLite and moved with migrate-to-postgres's copy."""
    services = Services.create(bench_config(sqlite_path))
    await services.start()
    now = utc_now()
    await seed_street(services.db, 50, 200, now)
    await seed_records(services.db, records, now)
    await services.stop()
    await started_once(sqlite_path)
    with postgres.connect(url) as target:
        copy_to_postgres.move(sqlite_path, target)
    services = Services.create(bench_config(url))
    await services.start()
    await services.reports.digest()  # the first read warms the server's cache, as a running bot's would
    started = time.perf_counter()
    await services.reports.digest()
    await services.reports.activity()
    elapsed = time.perf_counter() - started
    rows = await services.db.fetchall("SELECT count(*) AS n FROM med_requests")
    await services.stop()
    return elapsed, int(rows[0]["n"])


def main(count: int, records: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-postgres-"))
    with PostgresServer.start(durable=True) as server:
        url = server.new_database()
        asyncio.run(prepare_on(url))
        raw_before = raw_rate(server.new_database(), ROWS)
        one, cpu, counts = asyncio.run(one_worker(url, count))
        raw_after = raw_rate(server.new_database(), ROWS)
        raw = (raw_before + raw_after) / 2
        print(
            f"postgres: {count} mixed updates, {BUILDINGS} buildings x {HOUSEHOLDS} households, PostgreSQL on a unix socket (fsync on)"
        )
        print(f"postgres: one worker: {count / one:,.0f} updates/s; raw psycopg insert+commit {raw:,.0f} rows/s "
              f"(before {raw_before:,.0f}, after {raw_after:,.0f}); ratio {count / one / raw:.2f}")  # fmt: skip
        print(f"postgres: per update: {per_update(counts, count)}; the bot's CPU {cpu / count * 1000:.2f} ms")
        url_two = server.new_database()
        asyncio.run(prepare_on(url_two, buys=True))
        payloads = mixed_updates(LocalBotApi(id_base=1000), count, random.Random(43))
        two = two_workers(url_two, payloads)
        print(f"postgres: two worker processes, one database: {count / two:,.0f} updates/s ({one / two:.2f}x one)")
        elapsed, rows = asyncio.run(report_at(server.new_database(), folder / "report.sqlite3", records))
        print(f"postgres: daily report (digest + chart figures) at {rows:,} medicine requests: {elapsed * 1000:.0f} ms")


async def started_once(sqlite_path: Path) -> None:
    """The bot started and stopped on the seeded file, so its chats name their bot, as
    migrate-to-postgres asks."""
    async with running(build_application(bench_config(sqlite_path), LocalRequest(LocalBotApi()))):
        pass


async def prepare_on(url: str, buys: bool = False) -> None:
    """The street (as bench/throughput.py seeds it) in the database at ``url``; with ``buys``, its
    buys opened too (update ids from 500, below the workers')."""
    folder = Path(tempfile.mkdtemp(prefix="bench-postgres-street-"))
    await prepare(folder / "street.sqlite3")
    await started_once(folder / "street.sqlite3")
    with postgres.connect(url) as target:
        copy_to_postgres.move(folder / "street.sqlite3", target)
    if buys:
        api = LocalBotApi(id_base=500)
        app = build_application(bench_config(url), LocalRequest(api))
        async with running(app):
            await open_buys(app, api)


if __name__ == "__main__":
    try:
        find_binaries()
    except NoPostgres as missing:  # make bench goes on with the others
        print(f"postgres: skipped: {missing}")
        sys.exit(0)
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6_000, int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
