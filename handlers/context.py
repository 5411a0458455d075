"""The typed callback context every handler receives: ``context.services``, ``context.t(...)``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.domain.permissions import Actor
from bot.services import Services
from bot.texts.i18n import pick_language, t

if TYPE_CHECKING:
    from collections import Counter

    from handlers.router import Router


class AppState:
    """The application's ``bot_data``: holds the services (set by ``build_application``)."""

    services: Services
    router: Router

    def __init__(self) -> None:
        # The newest message id seen per chat (message ids are sequential within a chat), to tell
        # when a live board has been buried by chatter and should be re-posted.
        self.last_seen: dict[int, int] = {}
        # The newest update id handled (loaded at start-up); anything newer needs no re-delivery check.
        self.newest_update = 0
        # When each group last got an order's own acknowledgement (the others merge into the board).
        self.acknowledged: dict[int, datetime] = {}
        # Buys whose board has orders it does not show yet, and buys whose board refresh is running.
        self.boards_behind: set[int] = set()
        self.boards_refreshing: set[int] = set()
        # Per busy group, the answers folded into its next summary (handlers/sending.py).
        self.folded: dict[int, Counter[str]] = {}


class BotContext(CallbackContext[ExtBot, dict, dict, AppState]):
    """One context per update; PTB hands the same object to every handler group."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._lang: str | None = None
        self._update: Update | None = None
        self._actor: Actor | None = None

    @classmethod
    def from_update(cls, update: object, application: Application) -> BotContext:
        context = super().from_update(update, application)
        if isinstance(update, Update):
            context._update = update
        return context

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def lang(self) -> str:
        """The language to answer in: the chat's /lang, the person's own /lang, their Telegram
        language, the default."""
        if self._lang is None:
            update = self._update
            chat = update.effective_chat if update else None
            user = update.effective_user if update else None
            self._lang = pick_language(
                self.services.settings.language(chat.id if chat else None, user.id if user else None),
                user.language_code if user else None,
                self.services.config.committee.language,
            )
        return self._lang

    async def actor(self) -> Actor:
        """Who sent this update, as the roster knows them (read once per update)."""
        if self._actor is None:
            user = self._update.effective_user if self._update else None
            self._actor = Actor(user_id=0) if user is None else await self.services.roster.actor(user.id)
        return self._actor

    def lang_override(self, language: str) -> None:
        """The chat's language just changed: answer the rest of this update in it."""
        self._lang = language

    def t(self, key: str, **values: Any) -> str:
        return t(self.lang, key, **values)
