"""The re-delivery guard: remember which update ids were handled."""

from __future__ import annotations

from datetime import datetime, timedelta

import aiosqlite

from storage.sql import fetch_one
from storage.timefmt import to_db


async def seen(conn: aiosqlite.Connection, update_id: int) -> bool:
    return await fetch_one(conn, "SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)) is not None


async def newest(conn: aiosqlite.Connection) -> int:
    row = await fetch_one(conn, "SELECT coalesce(max(update_id), 0) FROM processed_updates")
    return int(row[0])


def claim(update_id: int, now: datetime) -> str:
    """The record that ``update_id`` is handled, as a statement without parameters (it joins the
    transaction's opening in one trip). The values are an integer and our own timestamp, never
    user text. Whether the row was new shows in the connection's ``total_changes``."""
    return f"INSERT OR IGNORE INTO processed_updates(update_id, processed_at) VALUES ({int(update_id)}, '{to_db(now)}')"


async def forget_older_than(conn: aiosqlite.Connection, now: datetime, days: int = 7) -> int:
    """Telegram keeps updates for 24 hours; older ids need not be remembered."""
    cursor = await conn.execute(
        "DELETE FROM processed_updates WHERE processed_at < ?", (to_db(now - timedelta(days=days)),)
    )
    return cursor.rowcount
