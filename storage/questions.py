"""Questions the bot asked before acting on a guess, with the command that waits for the answer."""

from __future__ import annotations

from datetime import datetime

from bot.domain.models import Question
from storage.sql import Connection, Row, fetch_one
from storage.timefmt import from_db, to_db


def _question(row: Row) -> Question:
    return Question(
        id=row["id"],
        chat_id=row["chat_id"],
        user_id=row["user_id"],
        source_message_id=row["source_message_id"],
        prompt_message_id=row["prompt_message_id"],
        kind=row["kind"],
        command=row["command"],
        answered=row["answered_at"] is not None,
        created_at=from_db(row["created_at"]),
    )


def ask(
    conn: Connection, *, chat_id: int, user_id: int, source_message_id: int, kind: str, command: str, at: datetime
) -> Question:
    """A question about the command of a message; asking again (an edit) replaces what it holds."""
    row = fetch_one(
        conn,
        "INSERT INTO questions(chat_id, user_id, source_message_id, kind, command, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(chat_id, source_message_id) DO UPDATE SET "
        "kind = excluded.kind, command = excluded.command, answered_at = NULL RETURNING *",
        (chat_id, user_id, source_message_id, kind, command, to_db(at)),
    )
    assert row is not None
    return _question(row)


def set_prompt(conn: Connection, question_id: int, message_id: int) -> None:
    conn.execute("UPDATE questions SET prompt_message_id = ? WHERE id = ?", (message_id, question_id))


def get(conn: Connection, question_id: int) -> Question | None:
    row = fetch_one(conn, "SELECT * FROM questions WHERE id = ?", (question_id,))
    return _question(row) if row else None


def by_source(conn: Connection, chat_id: int, message_id: int) -> Question | None:
    row = fetch_one(conn, "SELECT * FROM questions WHERE chat_id = ? AND source_message_id = ?", (chat_id, message_id))
    return _question(row) if row else None


def by_prompt(conn: Connection, chat_id: int, message_id: int) -> Question | None:
    row = fetch_one(conn, "SELECT * FROM questions WHERE chat_id = ? AND prompt_message_id = ?", (chat_id, message_id))
    return _question(row) if row else None


def answer(conn: Connection, question_id: int, at: datetime) -> bool:
    """Mark answered; False when it already was (a second press of the same button)."""
    cursor = conn.execute(
        "UPDATE questions SET answered_at = ? WHERE id = ? AND answered_at IS NULL", (to_db(at), question_id)
    )
    return cursor.rowcount == 1
