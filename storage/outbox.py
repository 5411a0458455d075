"""The outbox table: what the bot owes a chat, on any channel (see ``bot/services/outbox.py``).

Every item belongs to a bot (``bot_id``, its Telegram id), or to none (0: WeCom's robots, which any
process sends to): a bot lists, sends and keys only its own, so several bots share one database
(migration 0023)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.domain.statuses import OutboxState
from storage.sql import Connection, Row, fetch_all, fetch_one
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class OutboxItem:
    id: int
    channel: str
    target: str
    key: str
    payload: dict[str, Any]
    state: OutboxState
    attempts: int
    result: Any  # what the sender returned once sent (Telegram: the message), else None


def _item(row: Row) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        channel=row["channel"],
        target=row["target"],
        key=row["key"],
        payload=json.loads(row["payload"]),
        state=OutboxState(row["state"]),
        attempts=row["attempts"],
        result=None if row["result"] is None else json.loads(row["result"]),
    )


_COLUMNS = "id, channel, target, key, payload, state, attempts, result"


def owe(
    conn: Connection, bot_id: int, channel: str, target: str, payload: dict[str, Any], key: str, now: datetime
) -> OutboxItem:
    """Owe ``payload`` to ``target``; owing a key again changes nothing and returns the first item."""
    conn.execute(
        "INSERT INTO outbox(bot_id, channel, target, key, payload, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (bot_id, channel, target, key, json.dumps(payload, ensure_ascii=False), to_db(now), to_db(now)),
    )
    item = by_key(conn, key, bot_id)
    assert item is not None
    return item


def owe_all(
    conn: Connection,
    bot_id: int,
    channel: str,
    target: str,
    payloads: list[dict[str, Any]],
    keys: list[str],
    now: datetime,
) -> bool:
    """Owe several items in order, all or none: False (nothing owed) when any key was owed before."""
    placeholders = ",".join("?" * len(keys))
    if fetch_one(conn, f"SELECT 1 FROM outbox WHERE bot_id = ? AND key IN ({placeholders})", (bot_id, *keys)):
        return False
    for payload, key in zip(payloads, keys, strict=True):
        owe(conn, bot_id, channel, target, payload, key, now)
    return True


# A gathering's entries and whether it still takes more, kept in its payload under this name.
GATHERING = "gathering"


def gather(
    conn: Connection,
    bot_id: int,
    channel: str,
    target: str,
    key: str,
    entry: str,
    value: str,
    payload_of: Callable[[dict[str, str]], dict[str, Any]],
    now: datetime,
    due: datetime,
) -> OutboxItem:
    """Add ``entry`` (its ``value``) to the target's open gathering under ``key``: an item owed for
    ``due`` whose payload, ``payload_of(entries)``, is rewritten as entries join it, until its first
    attempt closes it (``close_gathering``). With none open, one is started, keyed ``key:entry``.
    An entry gathered already is not counted again."""
    prefix = f"{key}:"
    rows = fetch_all(
        conn,
        f"SELECT {_COLUMNS} FROM outbox WHERE bot_id = ? AND channel = ? AND target = ? AND state = 'owed'",
        (bot_id, channel, target),
    )
    current = next((item for item in map(_item, rows) if item.key.startswith(prefix) and is_open(item)), None)
    if current is None:
        conn.execute(
            "INSERT INTO outbox(bot_id, channel, target, key, payload, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (bot_id, channel, target, prefix + entry, _gathering(payload_of, {entry: value}), to_db(due), to_db(now)),
        )
        started = by_key(conn, prefix + entry, bot_id)
        assert started is not None
        return started
    entries = {**current.payload[GATHERING]["entries"], entry: value}
    payload = _gathering(payload_of, entries)
    conn.execute("UPDATE outbox SET payload = ? WHERE id = ?", (payload, current.id))
    return replace(current, payload=json.loads(payload))


def _gathering(payload_of: Callable[[dict[str, str]], dict[str, Any]], entries: dict[str, str]) -> str:
    return json.dumps({**payload_of(entries), GATHERING: {"open": True, "entries": entries}}, ensure_ascii=False)


def is_open(item: OutboxItem) -> bool:
    """Whether the item is a gathering that still takes entries."""
    return bool(item.payload.get(GATHERING, {}).get("open"))


def close_gathering(conn: Connection, item_id: int) -> OutboxItem:
    """The gathering takes no more entries (those that come now start the next one); the item as
    it is to be sent."""
    item = by_id(conn, item_id)
    assert item is not None
    if not is_open(item):
        return item
    payload = {**item.payload, GATHERING: {**item.payload[GATHERING], "open": False}}
    conn.execute("UPDATE outbox SET payload = ? WHERE id = ?", (json.dumps(payload, ensure_ascii=False), item_id))
    return replace(item, payload=payload)


def by_id(conn: Connection, item_id: int) -> OutboxItem | None:
    row = fetch_one(conn, f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (item_id,))
    return None if row is None else _item(row)


def by_key(conn: Connection, key: str, bot_id: int = 0) -> OutboxItem | None:
    row = fetch_one(conn, f"SELECT {_COLUMNS} FROM outbox WHERE bot_id = ? AND key = ?", (bot_id, key))
    return None if row is None else _item(row)


# An owed item in its target's line: tried before (then waiting for its retry), or due now.
_IN_LINE = "(attempts > 0 OR next_at <= ?)"


def due(conn: Connection, bot_id: int, channel: str, now: datetime, limit: int = 50) -> list[OutboxItem]:
    """Each target's first owed item, when it is due: a target's items go out in order, so one
    waiting to be retried holds back the rest of its target (and only those); one owed for later
    and never tried (a gathering) holds back nothing."""
    rows = fetch_all(
        conn,
        f"""SELECT {_COLUMNS} FROM outbox WHERE id IN (
                SELECT min(id) FROM outbox WHERE bot_id = ? AND channel = ? AND state = 'owed' AND {_IN_LINE}
                GROUP BY target)
            AND next_at <= ? ORDER BY id LIMIT ?""",
        (bot_id, channel, to_db(now), to_db(now), limit),
    )
    return [_item(row) for row in rows]


def first_due(conn: Connection, bot_id: int, channel: str, target: str, now: datetime) -> OutboxItem | None:
    """The target's first owed item, when it is due (its later items wait behind it)."""
    row = fetch_one(
        conn,
        f"""SELECT {_COLUMNS} FROM outbox WHERE id = (
                SELECT min(id) FROM outbox WHERE bot_id = ? AND channel = ? AND target = ? AND state = 'owed'
                AND {_IN_LINE})
            AND next_at <= ?""",
        (bot_id, channel, target, to_db(now), to_db(now)),
    )
    return None if row is None else _item(row)


def next_due(conn: Connection, bot_id: int, channel: str) -> datetime | None:
    row = fetch_one(
        conn,
        "SELECT min(next_at) AS next_at FROM outbox WHERE bot_id = ? AND channel = ? AND state = 'owed'",
        (bot_id, channel),
    )
    return None if row is None or row["next_at"] is None else from_db(row["next_at"])


def lease(conn: Connection, item_id: int, holder: str, now: datetime, until: datetime) -> bool:
    """Take the item for one attempt by ``holder`` (a process) until ``until``: False when it is no
    longer owed or another holder's lease on it has not run out. Only a target's first owed item
    is ever attempted, so the lease on it is the lease on the target: one sender at a time."""
    cursor = conn.execute(
        "UPDATE outbox SET lease_until = ?, leased_by = ? WHERE id = ? AND state = 'owed' "
        "AND (lease_until IS NULL OR lease_until < ? OR leased_by = ?)",
        (to_db(until), holder, item_id, to_db(now), holder),
    )
    return cursor.rowcount == 1


# Every outcome of an attempt gives its lease back.
_RELEASED = "lease_until = NULL, leased_by = NULL"


def mark_sent(conn: Connection, item_id: int, result: Any, now: datetime) -> None:
    conn.execute(
        "UPDATE outbox SET state = 'sent', sent_at = ?, result = ?, attempts = attempts + 1, error = NULL, "
        f"{_RELEASED} WHERE id = ?",
        (to_db(now), json.dumps(result, ensure_ascii=False), item_id),
    )


def mark_retry(conn: Connection, item_id: int, error: str, next_at: datetime) -> int:
    """One more failed attempt; the number of attempts so far."""
    conn.execute(
        f"UPDATE outbox SET attempts = attempts + 1, error = ?, next_at = ?, {_RELEASED} WHERE id = ?",
        (error, to_db(next_at), item_id),
    )
    row = fetch_one(conn, "SELECT attempts FROM outbox WHERE id = ?", (item_id,))
    return int(row["attempts"]) if row else 0


def mark_failed(conn: Connection, item_id: int, error: str) -> None:
    conn.execute(
        f"UPDATE outbox SET state = 'failed', attempts = attempts + 1, error = ?, {_RELEASED} WHERE id = ?",
        (error, item_id),
    )


def counts(conn: Connection, bot_id: int, channel: str) -> dict[str, int]:
    rows = fetch_all(
        conn,
        "SELECT state, count(*) AS n FROM outbox WHERE bot_id = ? AND channel = ? GROUP BY state",
        (bot_id, channel),
    )
    return {row["state"]: int(row["n"]) for row in rows}


def adopt(conn: Connection, bot_id: int, channel: str) -> None:
    """The channel's items from before they were kept per bot (bot_id 0, migration 0023) are this
    bot's: the database had one bot then."""
    conn.execute(
        "UPDATE outbox SET bot_id = ? WHERE bot_id = 0 AND channel = ? AND NOT EXISTS "
        "(SELECT 1 FROM outbox mine WHERE mine.bot_id = ? AND mine.key = outbox.key)",
        (bot_id, channel, bot_id),
    )


def forget_sent_before(conn: Connection, before: datetime) -> int:
    cursor = conn.execute("DELETE FROM outbox WHERE state != 'owed' AND created_at < ?", (to_db(before),))
    return cursor.rowcount
