"""Notices and rumor rebuttals."""

from __future__ import annotations

from datetime import datetime

from bot.domain.models import Notice, Rumor
from storage.sql import Connection, Row, fetch_all, fetch_one, insert_id
from storage.timefmt import from_db, to_db


def _notice(row: Row) -> Notice:
    return Notice(id=row["id"], text=row["text"], daily_at=row["daily_at"], active=bool(row["active"]))


def add_notice(conn: Connection, text: str, daily_at: str | None, by: int, at: datetime) -> int:
    notice_id = insert_id(
        conn,
        "INSERT INTO notices(text, daily_at, created_by, created_at) VALUES (?, ?, ?, ?)",
        (text, daily_at, by, to_db(at)),
    )
    assert notice_id is not None
    return notice_id


def notice(conn: Connection, notice_id: int) -> Notice | None:
    row = fetch_one(conn, "SELECT * FROM notices WHERE id = ?", (notice_id,))
    return _notice(row) if row else None


def recurring_notices(conn: Connection) -> list[Notice]:
    return [
        _notice(row)
        for row in fetch_all(conn, "SELECT * FROM notices WHERE daily_at IS NOT NULL AND active = 1 ORDER BY id")
    ]


def stop_notice(conn: Connection, notice_id: int) -> bool:
    cursor = conn.execute(
        "UPDATE notices SET active = 0 WHERE id = ? AND active = 1 AND daily_at IS NOT NULL", (notice_id,)
    )
    return cursor.rowcount == 1


def claim_notice_day(conn: Connection, notice_id: int, chat_id: int, day: str, at: datetime) -> bool:
    """The daily notice's post in ``chat_id`` on ``day`` is this write's (False: claimed before)."""
    cursor = conn.execute(
        "INSERT INTO notice_sends(notice_id, chat_id, day, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (notice_id, chat_id, day, to_db(at)),
    )
    return cursor.rowcount == 1


# ------------------------------------------------------------------------------ rumors
def _rumor(row: Row) -> Rumor:
    return Rumor(
        id=row["id"],
        title=row["title"],
        keywords=[k for k in row["keywords"].split(",") if k],
        content=row["content"],
        source=row["source"],
        issued_at=from_db(row["issued_at"]),
        active=bool(row["active"]),
    )


def add_rumor(
    conn: Connection,
    *,
    title: str,
    keywords: list[str],
    content: str,
    source: str | None,
    by: int,
    at: datetime,
) -> tuple[int, list[int]]:
    """The new rebuttal's id, and the ids of active ones with the same title it supersedes."""
    superseded = [
        row["id"] for row in fetch_all(conn, "SELECT id FROM rumors WHERE active = 1 AND title = ?", (title,))
    ]
    rumor_id = insert_id(
        conn,
        "INSERT INTO rumors(title, keywords, content, source, issued_by, issued_at) VALUES (?, ?, ?, ?, ?, ?)",
        (title, ",".join(keywords), content, source, by, to_db(at)),
    )
    assert rumor_id is not None
    for old in superseded:
        conn.execute("UPDATE rumors SET active = 0, superseded_by = ? WHERE id = ?", (rumor_id, old))
    return rumor_id, superseded


def rumor(conn: Connection, rumor_id: int) -> Rumor | None:
    row = fetch_one(conn, "SELECT * FROM rumors WHERE id = ?", (rumor_id,))
    return _rumor(row) if row else None


def active_rumors(conn: Connection) -> list[Rumor]:
    return [_rumor(row) for row in fetch_all(conn, "SELECT * FROM rumors WHERE active = 1 ORDER BY id")]


def retire_rumor(conn: Connection, rumor_id: int) -> bool:
    cursor = conn.execute("UPDATE rumors SET active = 0 WHERE id = ? AND active = 1", (rumor_id,))
    return cursor.rowcount == 1


def rumors_issued_between(conn: Connection, start: datetime, end: datetime) -> int:
    rows = fetch_all(
        conn, "SELECT count(*) AS n FROM rumors WHERE issued_at >= ? AND issued_at < ?", (to_db(start), to_db(end))
    )
    return int(rows[0]["n"])


def claim_rumor_reply(conn: Connection, chat_id: int, rumor_id: int, at: datetime, not_before: datetime) -> bool:
    """Record a reply in ``chat_id`` unless one was made after ``not_before``."""
    cursor = conn.execute(
        "INSERT INTO rumor_replies(chat_id, rumor_id, replied_at) VALUES (?, ?, ?) "
        "ON CONFLICT(chat_id, rumor_id) DO UPDATE SET replied_at = excluded.replied_at "
        "WHERE rumor_replies.replied_at <= ?",
        (chat_id, rumor_id, to_db(at), to_db(not_before)),
    )
    return cursor.rowcount == 1
