"""Per-chat settings, kept in memory after start-up so no update waits on the database for them.

A person's own language is kept under their user id, which is also their private chat's id: it is
their private chat's language, and the language of answers to them in a group that has none."""

from __future__ import annotations

from bot.domain.permissions import Actor, Target, allows
from bot.texts.i18n import LANGUAGES
from storage import chats
from storage.db import Database


class ChatSettings:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._languages: dict[int, str] = {}

    async def load(self) -> None:
        self._languages = await self._db.read(chats.languages)

    def language(self, chat_id: int | None, user_id: int | None = None) -> str | None:
        """The chat's language, else (where the chat has none) the person's own."""
        found = self._languages.get(chat_id) if chat_id is not None else None
        return found or (self._languages.get(user_id) if user_id is not None else None)

    async def choose_language(self, actor: Actor, chat_id: int, building: int | None, language: str) -> bool:
        """``/lang``: a group's leader (``building``: the group's) or the committee sets the group's
        language (True); anyone else, and anyone in a private chat, sets their own (False)."""
        group = chat_id != actor.user_id
        whole_chat = group and allows(actor, "lang.chat", Target(building=building))
        await self.set_language(chat_id if whole_chat else actor.user_id, language)
        return whole_chat

    async def set_language(self, chat_id: int, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(language)
        await self._db.write(lambda conn: chats.set_language(conn, chat_id, language))
        self._languages[chat_id] = language

    def move_chat(self, old_id: int, new_id: int) -> None:
        if old_id in self._languages:
            self._languages[new_id] = self._languages.pop(old_id)
