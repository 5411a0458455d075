"""Per-chat settings (language); the bot coming back to a chat."""

from __future__ import annotations

from bot.domain.models import ChatBinding
from storage import roster
from storage.sql import Connection, fetch_all


def languages(conn: Connection) -> dict[int, str]:
    return {
        row["chat_id"]: row["language"]
        for row in fetch_all(conn, "SELECT chat_id, language FROM chat_settings WHERE language IS NOT NULL")
    }


def set_language(conn: Connection, chat_id: int, language: str) -> None:
    conn.execute(
        "INSERT INTO chat_settings(chat_id, language) VALUES (?, ?) "
        "ON CONFLICT(chat_id) DO UPDATE SET language = excluded.language",
        (chat_id, language),
    )


def rejoined(conn: Connection, chat_id: int) -> ChatBinding | None:
    """The bot is back in a chat it was removed from: the chat's binding (if it had one) holds again."""
    conn.execute("UPDATE chats SET kicked = 0 WHERE chat_id = ?", (chat_id,))
    return roster.chat(conn, chat_id)
