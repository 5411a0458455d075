"""What is owed to WeCom group robots (``wecom_outbox``) and the robots whose key was refused."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage.sql import Connection, fetch_all
from storage.timefmt import to_db


async def owe(conn: Connection, robot: str, key: str, bodies: list[str], at: datetime) -> int:
    """Owe ``bodies`` to ``robot`` as the messages of ``key``; a key already owed is not owed
    again. Returns how many messages were added."""
    added = 0
    for part, body in enumerate(bodies):
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO wecom_outbox(robot, key, part, body, created_at) VALUES (?, ?, ?, ?, ?)",
            (robot, key, part, body, to_db(at)),
        )
        added += cursor.rowcount
    return added


async def owed(conn: Connection) -> list[sqlite3.Row]:
    """Every message not yet sent nor refused for good, oldest first."""
    return await fetch_all(
        conn, "SELECT id, robot, body FROM wecom_outbox WHERE sent_at IS NULL AND failed IS NULL ORDER BY id"
    )


async def mark_sent(conn: Connection, message_id: int, at: datetime) -> None:
    await conn.execute("UPDATE wecom_outbox SET sent_at = ? WHERE id = ?", (to_db(at), message_id))


async def mark_failed(conn: Connection, message_id: int, code: str) -> None:
    await conn.execute("UPDATE wecom_outbox SET failed = ? WHERE id = ?", (code, message_id))


async def fail_robot(conn: Connection, robot: str, code: str) -> None:
    """Everything owed to a robot whose key was refused: it would only be refused again."""
    await conn.execute(
        "UPDATE wecom_outbox SET failed = ? WHERE robot = ? AND sent_at IS NULL AND failed IS NULL", (code, robot)
    )


async def add_bad_key(conn: Connection, robot: str, url_hash: str, at: datetime) -> bool:
    """Record that this robot's URL was refused; False when it was already (the committee was told)."""
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO wecom_bad_keys(robot, url_hash, at) VALUES (?, ?, ?)", (robot, url_hash, to_db(at))
    )
    return cursor.rowcount == 1


async def bad_keys(conn: Connection) -> set[tuple[str, str]]:
    return {
        (row["robot"], row["url_hash"]) for row in await fetch_all(conn, "SELECT robot, url_hash FROM wecom_bad_keys")
    }
