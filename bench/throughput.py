"""Throughput: a street of 50 buildings × 200 households sends 20,000 mixed updates (orders,
medicine requests, check-ins, chatter) through the real Application over the local Bot API, with
the SQLite file on disk and the production pragmas. Prints updates per second, p50/p99 handling
time, peak memory, and in the same run the raw baseline of one aiosqlite insert-and-commit per row.
Updates go into the application's update queue, as polling puts them, and are handled by its update
processor (several chats at once, each chat in order); handling time is from the start of an
update's handling to its end, so under this flood it includes waiting for the database's turn.
The queue is filled directly (``put_nowait``), which leaves out the inbox; a second, smaller run
puts each update as PTB's polling does (``await put``: the inbox stores it, and the next waits
for that commit), so the inbox's cost shows apart. Peak memory is also given as it was before the
flood: start-up publishes every role holder's menus to the local Bot API, which keeps them all (in
the background: the flood waits until they are done, and their number of calls is printed), and the
updates are built before they are queued.

Run: .venv/bin/python bench/throughput.py [UPDATES] [CONCURRENT_UPDATES]   (or make bench)
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import BUILDING_CHAT_BASE, COMMITTEE_ID, bench_config, household_user, peak_memory_mb, room_of, seed_street
from telegram import Update

from bot.config import Config
from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest, LocalUser
from handlers import menus
from storage.db import Database

BUILDINGS, HOUSEHOLDS = 50, 200


def mixed_updates(api: LocalBotApi, count: int, rng: random.Random) -> list[dict]:
    updates = []
    on_duty: set[int] = set()
    for _ in range(count):
        building = rng.randint(1, BUILDINGS)
        index = rng.randrange(HOUSEHOLDS)
        chat = BUILDING_CHAT_BASE - building
        user = LocalUser(household_user(building, index), f"居民{building}-{index}")
        roll = rng.random()
        if roll < 0.40:
            text = f"#接龙 {building} {rng.randint(0, 5)}"
        elif roll < 0.60:
            text = f"#配药 布洛芬缓释胶囊 {rng.randint(1, 3)}盒，二甲双胍 {rng.randint(1, 3)}盒"
        elif roll < 0.70:
            volunteer = LocalUser(500_000 + rng.randrange(500), "志愿者")
            text = "#签退" if volunteer.id in on_duty else f"#签到 核酸 {rng.randint(1, 4)}号门"
            on_duty ^= {volunteer.id}
            user = volunteer
        else:
            text = rng.choice(
                ["收到，谢谢志愿者！", "今天几点发菜？", f"{building}号楼{room_of(index)}的快递到了", "👍"]
            )
        updates.append(api.message_update(chat, user, text))
    return updates


async def prepare(db_path: Path) -> None:
    from datetime import UTC, datetime

    db = Database(db_path)
    await db.open()
    await seed_street(db, BUILDINGS, HOUSEHOLDS, datetime.now(UTC))
    await db.write(
        lambda conn: conn.executemany(
            "INSERT INTO roles(user_id, role, building, granted_at) VALUES (?, 'volunteer', 0, '2026-01-01T00:00:00+00:00')",
            [(500_000 + n,) for n in range(500)],
        )
    )
    await db.close()


async def bot_run(
    db_path: Path, count: int, in_flight: int, *, inbox: bool = False
) -> tuple[float, list[float], float]:
    """Seconds for ``count`` updates, each one's handling time and the peak memory before them
    (start-up's); ``inbox``: each update put as polling puts it."""
    config = bench_config(db_path, telegram={"concurrent_updates": in_flight})
    api = LocalBotApi()
    app = build_application(config, LocalRequest(api))
    rng = random.Random(42)
    async with running(app):
        published = time.perf_counter()
        calls = await menus.published(app)  # in the background: waited for, so the flood is measured alone
        print(
            f"throughput: start-up's menus: {calls:,} calls to the Bot API in {time.perf_counter() - published:.1f} s"
        )
        admin = LocalUser(COMMITTEE_ID, "居委")
        for building in range(1, BUILDINGS + 1):  # one open buy per building, numbered like its building
            opening = api.message_update(BUILDING_CHAT_BASE - building, admin, "#开团 蔬菜包 68元/份")
            await app.process_update(Update.de_json(opening, app.bot))
        payloads = mixed_updates(api, count, rng)
        updates = [Update.de_json(p, app.bot) for p in payloads]
        timings = []
        handle = app.process_update

        async def timed(update: object) -> None:
            t0 = time.perf_counter()
            await handle(update)
            timings.append(time.perf_counter() - t0)

        app.process_update = timed  # as polling does: into the update queue, handled by the processor
        start_peak = peak_memory_mb()
        started = time.perf_counter()
        for update in updates:
            if inbox:
                await app.update_queue.put(update)  # stored in the inbox (committed) before the next
            else:
                app.update_queue.put_nowait(update)
        await app.update_queue.join()
        elapsed = time.perf_counter() - started
        assert len(timings) == count, f"{len(timings)} of {count} updates handled"
    return elapsed, timings, start_peak


async def baseline(db_path: Path, rows: int) -> float:
    """One aiosqlite insert-and-commit per row, same pragmas: rows per second."""
    import aiosqlite

    async with aiosqlite.connect(db_path, isolation_level=None) as conn:
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=5000", "synchronous=FULL"):
            await conn.execute(f"PRAGMA {pragma}")
        await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, chat_id INTEGER, text TEXT, at TEXT)")
        started = time.perf_counter()
        for n in range(rows):
            await conn.execute("BEGIN IMMEDIATE")
            await conn.execute("INSERT INTO t(chat_id, text, at) VALUES (?, ?, ?)", (-n, "#接龙 1 2", "2026-04-10"))
            await conn.execute("COMMIT")
        return rows / (time.perf_counter() - started)


def main(count: int, in_flight: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    asyncio.run(prepare(folder / "bot.sqlite3"))
    asyncio.run(prepare(folder / "inbox.sqlite3"))
    # The baseline is measured just before and just after the bot, and averaged: this machine's
    # disk and CPU drift over a run, and the ratio should not depend on which half was lucky.
    raw_before = asyncio.run(baseline(folder / "raw-before.sqlite3", 5_000))
    elapsed, timings, start_peak = asyncio.run(bot_run(folder / "bot.sqlite3", count, in_flight))
    peak = peak_memory_mb()
    inbox_count = max(1, count // 4)
    inbox_elapsed, *_ = asyncio.run(bot_run(folder / "inbox.sqlite3", inbox_count, in_flight, inbox=True))
    raw_after = asyncio.run(baseline(folder / "raw-after.sqlite3", 5_000))
    raw = (raw_before + raw_after) / 2
    rate = count / elapsed
    timings.sort()
    p50 = statistics.median(timings) * 1000
    p99 = timings[int(len(timings) * 0.99)] * 1000
    print(
        f"throughput: {count} mixed updates, {BUILDINGS} buildings x {HOUSEHOLDS} households, SQLite on disk (WAL, synchronous=FULL)"
    )
    print(f"throughput: all queued at once, as polling hands them over; up to {in_flight} handled at a time")
    print(
        f"throughput: {rate:,.0f} updates/s; handling time p50 {p50:.2f} ms, p99 {p99:.2f} ms; peak memory {peak:.0f} MB "
        f"({start_peak:.0f} MB before it: start-up, the menus the local Bot API keeps, the updates built)"
    )
    print(
        f"throughput: {inbox_count / inbox_elapsed:,.0f} updates/s with each update stored in the inbox "
        f"before the next, as polling puts them ({inbox_count} updates)"
    )
    print(
        f"throughput: raw baseline (one aiosqlite insert+commit per row) {raw:,.0f} rows/s "
        f"(before {raw_before:,.0f}, after {raw_after:,.0f})"
    )
    print(f"throughput: ratio bot/baseline = {rate / raw:.2f} (target >= 0.50)")


if __name__ == "__main__":
    default_in_flight = Config().telegram.concurrent_updates
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 20_000, int(sys.argv[2]) if len(sys.argv) > 2 else default_in_flight
    )
