"""What every handler receives, typed: the context (``context.services``, ``context.t(...)``), and
the message (:class:`Incoming`) or the button press (:class:`Press`) it handles, whose chat, sender
and message are never None."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from telegram import CallbackQuery, Chat, Message, Update, User
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.domain.permissions import Actor
from bot.language.callbacks import Button
from bot.services import Services
from bot.texts.i18n import pick_language, t

if TYPE_CHECKING:
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
        # Buys whose board has orders it does not show yet, buys whose board refresh is running, and
        # buys whose last refreshes Telegram did not take (how many in a row: the retry backs off).
        self.boards_behind: set[int] = set()
        self.boards_refreshing: set[int] = set()
        self.board_failures: dict[int, int] = {}
        # The start-up's publishing of the command menus, at work in the background (handlers/menus.py).
        self.menus_publishing: asyncio.Task[int] | None = None


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], AppState]):
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

    def lang_of(self, user_id: int) -> str:
        """The language to write to ``user_id`` privately: their own /lang, else this update's."""
        return self.services.settings.language(user_id) or self.lang


# The application as handlers see it: its ``bot_data`` is the AppState.
BotApp = Application[ExtBot[Any], Any, Any, Any, AppState, Any]


@dataclass(frozen=True)
class Incoming:
    """A message being handled, with its chat and its sender: the router and the features' message
    handlers hand on only messages that have both (a channel's post has no sender)."""

    update: Update
    message: Message
    chat: Chat
    user: User

    @classmethod
    def of(cls, update: Update) -> Incoming | None:
        message, chat, user = update.effective_message, update.effective_chat, update.effective_user
        if message is None or chat is None or user is None:
            return None
        return cls(update, message, chat, user)

    @property
    def edited(self) -> bool:
        return self.update.edited_message is not None


B = TypeVar("B", bound=Button)


@dataclass(frozen=True)
class Press(Generic[B]):
    """A button pressed under a message the bot can still edit, with its data decoded
    (``bot.language.callbacks``)."""

    update: Update
    query: CallbackQuery
    message: Message
    data: B

    @classmethod
    def of(cls, update: Update, kind: type[B]) -> Press[B] | None:
        """None for a press of another kind, or under a message Telegram no longer shows the bot."""
        query = update.callback_query
        data = kind.read(query.data) if query is not None else None
        if query is None or data is None or not isinstance(query.message, Message):
            return None
        return cls(update, query, query.message, data)

    @property
    def user(self) -> User:
        return self.query.from_user


T = TypeVar("T")


def job_queue(app: BotApp) -> JobQueue[Any]:
    """The application's job queue (PTB's type allows an application without one; ours has one)."""
    if app.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    return app.job_queue


def job_data(context: BotContext, kind: type[T]) -> T:
    """What the running job was scheduled with (``data=``): a buy's id, a notice's."""
    data = context.job.data if context.job is not None else None
    if not isinstance(data, kind):
        raise TypeError(f"a job ran without its {kind.__name__}")
    return data
