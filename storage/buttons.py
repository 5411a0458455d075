"""Which callback data each message the bot sent carries: a press counts only from its own message."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from storage.sql import Connection, fetch_one
from storage.timefmt import to_db


def carry(conn: Connection, chat_id: int, message_id: int, data: Iterable[str], at: datetime) -> None:
    """The message now carries exactly ``data``: what it carried before (an edit) is forgotten."""
    conn.execute("DELETE FROM buttons WHERE chat_id = ? AND message_id = ?", (chat_id, message_id))
    conn.executemany(
        "INSERT INTO buttons(chat_id, message_id, data, recorded_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(chat_id, message_id, item, to_db(at)) for item in data],
    )


def carries(conn: Connection, chat_id: int, message_id: int, data: str) -> bool:
    row = fetch_one(
        conn,
        "SELECT 1 FROM buttons WHERE chat_id = ? AND message_id = ? AND data = ?",
        (chat_id, message_id, data),
    )
    return row is not None


def forget_older_than(conn: Connection, now: datetime, days: int = 30) -> int:
    """Buttons of messages neither sent nor edited for ``days`` stop working."""
    cursor = conn.execute("DELETE FROM buttons WHERE recorded_at < ?", (to_db(now - timedelta(days=days)),))
    return cursor.rowcount
