"""Per-chat settings (language)."""

from __future__ import annotations

from storage.sql import Connection, fetch_all


async def languages(conn: Connection) -> dict[int, str]:
    return {
        row["chat_id"]: row["language"]
        for row in await fetch_all(conn, "SELECT chat_id, language FROM chat_settings WHERE language IS NOT NULL")
    }


async def set_language(conn: Connection, chat_id: int, language: str) -> None:
    await conn.execute(
        "INSERT INTO chat_settings(chat_id, language) VALUES (?, ?) "
        "ON CONFLICT(chat_id) DO UPDATE SET language = excluded.language",
        (chat_id, language),
    )
