"""Shared set-up for the benchmarks: where their data lives (a SQLite file, or with
``BUILDING_BOT_BENCH_DATABASE=postgres`` a database on a throwaway PostgreSQL: ``make bench-postgres``),
a street of buildings seeded straight into it, and the real Application over the local Bot API."""

from __future__ import annotations

import os
import random
import resource
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Config  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.sql import Connection  # noqa: E402
from storage.timefmt import to_db  # noqa: E402

BUILDING_CHAT_BASE = -1001000000000
COMMITTEE_ID = 9001


@contextmanager
def bench_storage(name: str) -> Iterator[str]:
    """Where a benchmark keeps its data: a new SQLite file, or (``BUILDING_BOT_BENCH_DATABASE=postgres``)
    a new database on a throwaway PostgreSQL from this machine's binaries with production's durable
    settings (tests/postgres.py), stopped at the end."""
    if os.environ.get("BUILDING_BOT_BENCH_DATABASE") != "postgres":
        yield str(Path(tempfile.mkdtemp(prefix=f"bench-{name}-")) / "bot.sqlite3")
        return
    from tests.postgres import PostgresServer

    with PostgresServer.start(durable=True) as server:
        print(f"{name}: on PostgreSQL (fsync on, a unix socket)")
        yield server.new_database()


def database(where: str) -> Database:
    """The storage at ``where`` (bench_storage's): SQLite or PostgreSQL."""
    return Database(url=where) if where.startswith("postgresql://") else Database(where)


def bench_config(path: Path | str, **extra: dict) -> Config:
    """Production storage settings; the rate limiter's budgets raised, since the local Bot API is
    not Telegram and the bot's own cost is what is measured (bench/burst.py keeps the real budget).
    ``path``: a SQLite file, or a PostgreSQL URL (bench/postgres.py)."""
    data = {
        "storage": {"url": path} if str(path).startswith("postgresql://") else {"path": str(path)},
        "committee": {"admins": [COMMITTEE_ID]},
        "telegram": {"group_messages_per_minute": 10000, "messages_per_second": 10000},
        "medicine": {"auto_confirm": True},
    }
    for key, values in extra.items():
        data.setdefault(key, {}).update(values)
    return Config.model_validate(data)


def household_user(building: int, index: int) -> int:
    return 100_000 + building * 1000 + index


def room_of(index: int) -> int:
    return 100 * (index // 4 + 1) + index % 4 + 1


async def seed_street(db: Database, buildings: int, per_building: int, now: datetime) -> None:
    """Bound building chats, every household with one registered resident, a leader per building."""
    at = to_db(now)

    def body(conn: Connection) -> None:
        conn.executemany(
            "INSERT INTO chats(chat_id, kind, building, title, bound_at) VALUES (?, 'building', ?, ?, ?)",
            [(BUILDING_CHAT_BASE - b, b, f"{b}号楼", at) for b in range(1, buildings + 1)],
        )
        conn.executemany(  # bot 0: the first bot to start adopts them
            "INSERT INTO chat_bots(bot_id, chat_id) VALUES (0, ?)",
            [(BUILDING_CHAT_BASE - b,) for b in range(1, buildings + 1)],
        )
        conn.executemany(
            "INSERT INTO households(building, unit, room, created_at) VALUES (?, 0, ?, ?)",
            [(b, room_of(i), at) for b in range(1, buildings + 1) for i in range(per_building)],
        )
        conn.execute(
            "INSERT INTO members(user_id, household_id, registered_at) "
            "SELECT 100000 + building * 1000 + ((room / 100 - 1) * 4 + room % 100 - 1), id, ? FROM households",
            (at,),
        )
        conn.executemany(
            "INSERT INTO roles(user_id, role, building, granted_at) VALUES (?, 'leader', ?, ?)",
            [(household_user(b, 0), b, at) for b in range(1, buildings + 1)],
        )

    await db.write(body)


async def seed_records(db: Database, count: int, now: datetime, seed: int = 7) -> None:
    """``count`` medicine requests (one item each), count/2 group-buy orders, count/10 shifts,
    spread over the last 60 days of a street of 50 buildings."""
    rng = random.Random(seed)
    households = [row["id"] for row in await db.fetchall("SELECT id FROM households")]
    statuses = ["open", "claimed", "bought", "delivered", "delivered", "delivered", "cancelled"]

    def when() -> str:
        return to_db(now - timedelta(seconds=rng.randint(0, 60 * 86400)))

    def body(conn: Connection) -> None:
        start = conn.execute("SELECT coalesce(max(id), 0) FROM med_requests").fetchone()[0]
        rows = []
        for n in range(count):
            created = when()
            recent = created >= to_db(now - timedelta(days=2))
            # As in a real lockdown: recent requests are in every state, older ones are done.
            status = rng.choice(statuses) if recent else ("cancelled" if rng.random() < 0.1 else "delivered")
            rows.append(
                (start + n + 1, rng.choice(households), 1, -1, start + n + 1, status, int(rng.random() < 0.05),
                 created, created, created if status == "delivered" else None)
            )  # fmt: skip
        conn.executemany(
            "INSERT INTO med_requests(id, household_id, requested_by, chat_id, message_id, status, urgent, "
            "created_at, updated_at, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO med_items(request_id, position, name, quantity, unit) VALUES (?, 0, ?, ?, '盒')",
            [(row[0], f"药品{row[0] % 300}", 1 + row[0] % 3) for row in rows],
        )
        buys = max(1, count // 2000)
        first_buy = conn.execute("SELECT coalesce(max(id), 0) FROM group_buys").fetchone()[0] + 1
        conn.executemany(
            "INSERT INTO group_buys(id, title, price_fen, unit, building, opened_by, chat_id, message_id, status, "
            "created_at, closed_at) VALUES (?, ?, 6800, '份', NULL, ?, -1, ?, ?, ?, ?)",
            [
                (first_buy + b, f"团购{first_buy + b}", COMMITTEE_ID, -(first_buy + b),
                 "closed" if b else "open", when(), when() if b else None)
                for b in range(buys)
            ],
        )  # fmt: skip
        orders = {(first_buy + rng.randrange(buys), rng.choice(households)) for _ in range(count // 2)}
        conn.executemany(
            "INSERT OR IGNORE INTO group_buy_orders(buy_id, household_id, quantity, paid, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(buy, home, rng.randint(1, 5), rng.random() < 0.5, when()) for buy, home in orders],
        )
        shifts = []
        for n in range(count // 10):
            started = now - timedelta(seconds=rng.randint(3600, 60 * 86400))
            shifts.append((500_000 + n % 500, "核酸", "1号门", -1, start + n + 1, to_db(started),
                           to_db(started + timedelta(hours=rng.randint(1, 6)))))  # fmt: skip
        conn.executemany(
            "INSERT OR IGNORE INTO shifts(user_id, task, place, chat_id, message_id, started_at, ended_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            shifts,
        )

    await db.write(body)


def peak_memory_mb() -> float:
    """Peak resident memory of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def utc_now() -> datetime:
    return datetime.now(UTC)
