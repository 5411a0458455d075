"""Per-chat settings, kept in memory after start-up so no update waits on the database for them."""

from __future__ import annotations

from bot.i18n import LANGUAGES
from storage import chats
from storage.db import Database


class ChatSettings:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._languages: dict[int, str] = {}

    async def load(self) -> None:
        async with self._db.read() as conn:
            self._languages = await chats.languages(conn)

    def language(self, chat_id: int) -> str | None:
        return self._languages.get(chat_id)

    async def set_language(self, chat_id: int, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(language)
        await self._db.write(lambda conn: chats.set_language(conn, chat_id, language))
        self._languages[chat_id] = language

    def move_chat(self, old_id: int, new_id: int) -> None:
        if old_id in self._languages:
            self._languages[new_id] = self._languages.pop(old_id)
