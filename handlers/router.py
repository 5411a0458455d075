"""One entry for every text message: parse it once, then hand the typed command to its feature.

Features add their commands with ``router_of(app).add(CommandType, callback)`` in their
``register(app)``. A malformed command gets its usage line; a command whose feature is not built
yet says so; plain chatter goes to the chatter listeners (rumor keywords).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, MessageHandler, filters

from bot.context import BotContext
from bot.language import Command, ParseContext, ParseError, parse
from bot.language.commands import UnknownCommand

log = logging.getLogger(__name__)

Route = Callable[[Update, BotContext, Any], Awaitable[None]]
Listener = Callable[[Update, BotContext], Awaitable[None]]


class Router:
    def __init__(self) -> None:
        self._routes: dict[type[Command], tuple[Route, bool]] = {}
        self._chatter: list[Listener] = []
        self.help_keys: list[str] = []

    def add(self, command: type[Command], callback: Route, *, edits: bool = False) -> None:
        """Send ``command`` to ``callback``; ``edits``: edited messages too (else they are ignored)."""
        if command in self._routes:
            raise ValueError(f"{command.__name__} is routed twice")
        self._routes[command] = (callback, edits)

    def on_chatter(self, listener: Listener) -> None:
        self._chatter.append(listener)

    def handles(self, command: type[Command]) -> bool:
        return command in self._routes

    async def dispatch(self, update: Update, context: BotContext) -> None:
        message = update.effective_message
        if message is None or not message.text:
            return
        edited = update.edited_message is not None
        services = context.services
        parse_context = ParseContext(
            now=services.clock.now(),
            tz=services.config.schedule.tz,
            bot_username=context.bot.username or "",
            reply_to_bot=_replies_to_bot(message, context.bot.id),
        )
        try:
            command = parse(message.text, parse_context)
        except ParseError as exc:
            log.info("unreadable %s command in update %s (%s)", exc.command, update.update_id, exc.detail)
            if not edited:
                await message.reply_text(context.t("parse.bad", usage=context.t(exc.usage_key)))
            return
        if command is None:
            if not edited:
                for listener in self._chatter:
                    await listener(update, context)
            return
        if isinstance(command, UnknownCommand):
            if not edited:
                await message.reply_text(context.t("parse.unknown"))
            return
        route = self._routes.get(type(command))
        if route is None:
            if not edited:
                await message.reply_text(context.t("parse.not_built"))
            return
        callback, takes_edits = route
        if edited and not takes_edits:
            log.info("edit of a %s command ignored (update %s)", command.name, update.update_id)
            return
        await callback(update, context, command)


def _replies_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def router_of(app: Application) -> Router:
    return app.bot_data.router


def register(app: Application) -> None:
    """Create the router; feature modules register into it afterwards."""
    app.bot_data.router = Router()
    text_messages = (filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE) & filters.TEXT
    app.add_handler(MessageHandler(text_messages, app.bot_data.router.dispatch))
