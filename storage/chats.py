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


def rejoined(conn: Connection, bot_id: int, chat_id: int) -> ChatBinding | None:
    """``bot_id`` is back in a chat it was removed from, or added to one another bot is in: the
    chat's binding (if it had one) holds again, for this bot too."""
    binding = roster.chat(conn, chat_id)
    if binding is not None:
        roster.present(conn, bot_id, chat_id)
    return binding
