"""The inbox (every update stored before Telegram is told it arrived, and whether it is done) and
the re-delivery guard (which update ids had their effect, with what the first write gave back).

Telegram numbers updates per bot, and several bots may share a database: every row is keyed by
(bot_id, update_id). A group's message reaches every bot in the group, each under its own update
id: the inbox keeps one update per message (``receive``), the first bot's."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from storage.sql import Connection, fetch_all, fetch_one
from storage.timefmt import to_db


def seen(conn: Connection, bot_id: int, update_id: int) -> bool:
    """Was ``update_id`` handled (and is not to be answered again from the inbox)?"""
    row = fetch_one(
        conn,
        """SELECT 1 FROM processed_updates p WHERE p.bot_id = ? AND p.update_id = ? AND NOT (p.result IS NOT NULL
             AND EXISTS (SELECT 1 FROM inbox i WHERE i.bot_id = p.bot_id AND i.update_id = p.update_id
                         AND i.done_at IS NULL))""",
        (bot_id, update_id),
    )
    return row is not None


def newest(conn: Connection, bot_id: int) -> int:
    row = fetch_one(
        conn, "SELECT coalesce(max(update_id), 0) AS newest FROM processed_updates WHERE bot_id = ?", (bot_id,)
    )
    assert row is not None
    return int(row["newest"])


def adopt(conn: Connection, bot_id: int) -> None:
    """Rows from before updates were kept per bot (bot_id 0, migration 0021) are this bot's: the
    database had one bot then."""
    for table in ("processed_updates", "inbox"):
        conn.execute(
            f"UPDATE {table} SET bot_id = ? WHERE bot_id = 0 AND NOT EXISTS "
            f"(SELECT 1 FROM {table} mine WHERE mine.bot_id = ? AND mine.update_id = {table}.update_id)",
            (bot_id, bot_id),
        )


def claim(conn: Connection, bot_id: int, update_id: int, now: datetime) -> bool:
    """Record that ``update_id`` is handled; False when it had been already."""
    cursor = conn.execute(
        "INSERT INTO processed_updates(bot_id, update_id, processed_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (bot_id, update_id, to_db(now)),
    )
    return cursor.rowcount == 1


def keep_result(conn: Connection, bot_id: int, update_id: int, result: bytes | None) -> None:
    conn.execute(
        "UPDATE processed_updates SET result = ? WHERE bot_id = ? AND update_id = ?", (result, bot_id, update_id)
    )


def replay_result(conn: Connection, bot_id: int, update_id: int) -> bytes | None:
    """What the first write of ``update_id`` gave back, when the update is in the inbox and not done
    (the process died before its answer went out); None otherwise."""
    row = fetch_one(
        conn,
        """SELECT p.result FROM processed_updates p JOIN inbox i ON i.bot_id = p.bot_id AND i.update_id = p.update_id
           WHERE p.bot_id = ? AND p.update_id = ? AND i.done_at IS NULL""",
        (bot_id, update_id),
    )
    return None if row is None else row["result"]


def forget_older_than(conn: Connection, now: datetime, days: int = 7) -> int:
    """Telegram keeps updates for 24 hours; older ids need not be remembered, nor older messages
    (another bot in a chat receives a message within those 24 hours too, however long it was down)."""
    before = to_db(now - timedelta(days=days))
    conn.execute("DELETE FROM inbox WHERE done_at IS NOT NULL AND received_at < ?", (before,))
    cursor = conn.execute("DELETE FROM processed_updates WHERE processed_at < ?", (before,))
    return cursor.rowcount


# ---------------------------------------------------------------------- the inbox
def chat_key(key: tuple[str, int] | None) -> str | None:
    """The inbox's name for a chat (``chat:-1003``, ``user:1001``), the key of its updates' order."""
    return None if key is None else f"{key[0]}:{key[1]}"


# An update's message, the same for every bot in its chat: (chat, message, edit date or 0).
MessageKey = tuple[int, int, int]
Delivered = tuple[int, str, tuple[str, int] | None, MessageKey | None]


class Received(NamedTuple):
    new: list[int]
    elsewhere: list[int]  # their message is another update's


def receive(conn: Connection, bot_id: int, updates: list[Delivered], holder: str, now: datetime) -> Received:
    """Store updates (id, JSON, the chat whose order they keep, the message they carry) as
    delivered, held by ``holder`` (the process handling them): which were new, and which were not
    stored because their message was stored under another update (another bot in the chat)."""
    received = Received([], [])
    for update_id, payload, chat, message in updates:
        cursor = conn.execute(
            "INSERT INTO inbox(bot_id, update_id, payload, received_at, leased_by, chat_key, "
            "message_chat, message_id, message_edit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (bot_id, update_id, payload, to_db(now), holder, chat_key(chat), *(message or (None, None, None))),
        )
        if cursor.rowcount == 1:
            received.new.append(update_id)
        elif message is not None and not _stored(conn, bot_id, update_id):
            received.elsewhere.append(update_id)
    return received


def _stored(conn: Connection, bot_id: int, update_id: int) -> bool:
    return fetch_one(conn, "SELECT 1 FROM inbox WHERE bot_id = ? AND update_id = ?", (bot_id, update_id)) is not None


def pending(conn: Connection, bot_id: int) -> list[str]:
    """The updates stored and not done, oldest first (JSON as Telegram sent them)."""
    rows = fetch_all(
        conn, "SELECT payload FROM inbox WHERE bot_id = ? AND done_at IS NULL ORDER BY update_id", (bot_id,)
    )
    return [row["payload"] for row in rows]


def earlier_holders(conn: Connection, bot_id: int, chat: tuple[str, int], update_id: int, holder: str) -> list[str]:
    """The processes other than ``holder`` that hold an update of ``chat`` earlier than ``update_id``,
    not yet done."""
    rows = fetch_all(
        conn,
        "SELECT DISTINCT leased_by FROM inbox WHERE bot_id = ? AND chat_key = ? AND update_id < ? "
        "AND done_at IS NULL AND leased_by IS NOT NULL AND leased_by <> ?",
        (bot_id, chat_key(chat), update_id, holder),
    )
    return [row["leased_by"] for row in rows]


def holders(conn: Connection, bot_id: int) -> list[str | None]:
    """The processes holding updates stored and not done (None: held by none)."""
    rows = fetch_all(conn, "SELECT DISTINCT leased_by FROM inbox WHERE bot_id = ? AND done_at IS NULL", (bot_id,))
    return [row["leased_by"] for row in rows]


def _held_by(gone: list[str | None]) -> tuple[str, list[str]]:
    """A condition on ``leased_by`` (held by one of ``gone``; None: by none) and its parameters."""
    named = [name for name in gone if name is not None]
    conditions = ["leased_by IS NULL"] if None in gone else []
    if named:
        conditions.append(f"leased_by IN ({','.join('?' * len(named))})")
    return f"({' OR '.join(conditions)})", named


def held_by(conn: Connection, bot_id: int, gone: list[str | None]) -> list[tuple[int, str | None, str]]:
    """The updates stored and not done held by one of ``gone``: (id, holder, JSON), oldest first."""
    condition, named = _held_by(gone)
    rows = fetch_all(
        conn,
        f"SELECT update_id, leased_by, payload FROM inbox WHERE bot_id = ? AND done_at IS NULL AND {condition} "
        "ORDER BY update_id",
        (bot_id, *named),
    )
    return [(row["update_id"], row["leased_by"], row["payload"]) for row in rows]


def take(conn: Connection, bot_id: int, update_id: int, was: str | None, holder: str) -> bool:
    """``update_id``, not done and still held by ``was``, now held by ``holder``; False when it is
    done or held by another (a process took it first)."""
    condition, named = _held_by([was])
    cursor = conn.execute(
        f"UPDATE inbox SET leased_by = ? WHERE bot_id = ? AND update_id = ? AND done_at IS NULL AND {condition}",
        (holder, bot_id, update_id, *named),
    )
    return cursor.rowcount == 1


def take_earlier(
    conn: Connection, bot_id: int, chat: tuple[str, int], update_id: int, gone: list[str], holder: str
) -> list[str]:
    """The updates of ``chat`` earlier than ``update_id``, not done and held by one of ``gone``, now
    held by ``holder``, oldest first (JSON as Telegram sent them)."""
    condition, named = _held_by(list(gone))
    rows = fetch_all(
        conn,
        f"UPDATE inbox SET leased_by = ? WHERE bot_id = ? AND chat_key = ? AND update_id < ? AND done_at IS NULL "
        f"AND {condition} RETURNING update_id, payload",
        (holder, bot_id, chat_key(chat), update_id, *named),
    )
    return [row["payload"] for row in sorted(rows, key=lambda row: row["update_id"])]


def done(conn: Connection, bot_id: int, update_ids: list[int], now: datetime) -> None:
    conn.executemany(
        "UPDATE inbox SET done_at = ? WHERE bot_id = ? AND update_id = ?",
        [(to_db(now), bot_id, update_id) for update_id in update_ids],
    )
