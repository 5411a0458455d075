"""The re-delivery guard: remember which update ids were handled."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.sql import Connection, fetch_one
from storage.timefmt import to_db


async def seen(conn: Connection, update_id: int) -> bool:
    return await fetch_one(conn, "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)) is not None


async def newest(conn: Connection) -> int:
    row = await fetch_one(conn, "SELECT coalesce(max(update_id), 0) FROM processed_updates")
    return int(row[0])


async def claim(conn: Connection, update_id: int, now: datetime) -> bool:
    """Record that ``update_id`` is handled; False when it had been already."""
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO processed_updates(update_id, processed_at) VALUES (?, ?)", (update_id, to_db(now))
    )
    return cursor.rowcount == 1


async def forget_older_than(conn: Connection, now: datetime, days: int = 7) -> int:
    """Telegram keeps updates for 24 hours; older ids need not be remembered."""
    cursor = await conn.execute(
        "DELETE FROM processed_updates WHERE processed_at < ?", (to_db(now - timedelta(days=days)),)
    )
    return cursor.rowcount
