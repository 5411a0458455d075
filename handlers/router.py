"""One entry for every text message: parse it once, then hand the typed command to its feature.

Features add their commands with ``router_of(app).add(CommandType, callback)`` in their
``register(app)``. A malformed command gets its usage line; a command whose feature is not built
yet says so; plain chatter goes to the chatter listeners (rumor keywords).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from typing import Any, TypeVar

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.domain.permissions import Refused
from bot.language import Command, ParseContext, ParseError, parse
from bot.language import commands as c
from bot.language.callbacks import Button
from bot.language.commands import UnknownCommand
from bot.language.registry import COMMANDS, CommandSpec, Topic
from bot.services.errors import UserError
from bot.texts.i18n import join
from handlers.context import BotApp, BotContext, Incoming, Press
from handlers.sending import Reply, answer_or_fold

log = logging.getLogger(__name__)

Route = Callable[[Incoming, BotContext, Any], Awaitable[None]]
Listener = Callable[[Incoming, BotContext], Awaitable[None]]
StartPayload = Callable[[Incoming, BotContext, str], Awaitable[None]]
B = TypeVar("B", bound=Button)


class Router:
    def __init__(self) -> None:
        self._routes: dict[type[Command], tuple[Route, bool]] = {}
        self._chatter: list[Listener] = []
        # Deep links: ``/start med12`` goes to start_payloads["med"] with the argument "12".
        self.start_payloads: dict[str, StartPayload] = {}

    def add(self, command: type[Command], callback: Route, *, edits: bool = False) -> None:
        """Send ``command`` to ``callback``; ``edits``: edited messages too (else they are ignored)."""
        if command in self._routes:
            raise ValueError(f"{command.__name__} is routed twice")
        self._routes[command] = (callback, edits)

    def routed(self) -> list[CommandSpec]:
        """The declared commands that have a handler, in declaration order (the "/" menus)."""
        names = {command.name for command in self._routes}
        return [spec for spec in COMMANDS if spec.name in names]

    @property
    def topics(self) -> list[Topic]:
        """The help topics of the routed commands, in declaration order."""
        return list(dict.fromkeys(spec.topic for spec in self.routed() if spec.topic))

    def on_chatter(self, listener: Listener) -> None:
        self._chatter.append(listener)

    async def dispatch(self, update: Update, context: BotContext) -> None:
        incoming = Incoming.of(update)
        if incoming is None:
            return
        message = incoming.message
        text = message.text or message.caption
        if not text:  # a photo's or a document's caption is read like text
            return
        edited = incoming.edited
        services = context.services
        parse_context = ParseContext(
            now=services.clock.now(),
            tz=services.config.schedule.tz,
            bot_username=context.bot.username or "",
            reply_to_bot=_replies_to_bot(message, context.bot.id),
        )
        try:
            command = parse(text, parse_context)
        except ParseError as exc:
            log.info("unreadable %s command in update %s (%s)", exc.command, update.update_id, exc.detail)
            if not edited:
                text = context.t("parse.bad", usage=context.t(exc.usage_key))
                if exc.command in _BUY_NUMBERED:
                    text += "\n" + await _open_buys(incoming, context)
                await answer_or_fold(incoming, context, text, Reply.NOT_DONE)
            return
        if command is None:
            if edited:
                return
            if message.reply_to_message is None and _stray_order(text, parse_context):
                await answer_or_fold(incoming, context, context.t("order.stray"), Reply.NOT_DONE)
                return
            for listener in self._chatter:
                await _answering_errors(incoming, context, listener(incoming, context))
            return
        if isinstance(command, UnknownCommand | c.NearMiss):
            if not edited:
                await answer_or_fold(incoming, context, _unknown(context, command), Reply.NOT_DONE)
            return
        if type(command) in _GROUP_ONLY and incoming.chat.type == ChatType.PRIVATE:
            if not edited:
                await message.reply_text(context.t("parse.group_only", usage=context.t(f"usage.{command.name}")))
            return
        route = self._routes.get(type(command))
        if route is None:
            if not edited:
                await answer_or_fold(incoming, context, context.t("parse.not_built"), Reply.NOT_DONE)
            return
        callback, takes_edits = route
        if edited and not takes_edits:
            log.info("edit of a %s command ignored (update %s)", command.name, update.update_id)
            return
        if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
            await message.reply_text(context.t("anonymous"))  # an anonymous admin: we cannot tell who
            return
        await _answering_errors(incoming, context, callback(incoming, context, command))


async def _answering_errors(handled: Incoming | Press[Any], context: BotContext, handling: Awaitable[None]) -> None:
    """Await a handler; a refusal or a rule error is answered: for a message, one line (merged in a
    busy group), for a button, a pop-up."""
    try:
        await handling
    except Refused as refusal:
        await refuse(handled, context, refusal)
    except UserError as error:
        await _answer(handled, context, context.t(error.key, **error.values))


async def _answer(handled: Incoming | Press[Any], context: BotContext, text: str) -> None:
    if isinstance(handled, Press):
        await handled.query.answer(text, show_alert=True)
    else:
        await answer_or_fold(handled, context, text, Reply.NOT_DONE)


# Commands that name a buy by its number: a usage error lists the open buys.
_BUY_NUMBERED = {"order", "close", "paid", "orders"}
# Commands that act on a group (its building, a reply to someone in it): in a private chat they are
# answered with where to send them, not with a refusal.
_GROUP_ONLY = {c.GroupBuyOpen, c.AppointLeader, c.Approve, c.CarePair}


def _unknown(context: BotContext, command: UnknownCommand | c.NearMiss) -> str:
    if isinstance(command, c.NearMiss):
        return context.t("parse.near_miss", tag=command.tag, command=command.command)
    return context.t("parse.unknown")


def _stray_order(text: str, parse_context: ParseContext) -> bool:
    """``+1`` that replies to nothing: it would be an order, had it replied to a buy's board."""
    if not text.lstrip().startswith(("+", "＋")):
        return False
    return isinstance(parse(text, replace(parse_context, reply_to_bot=True)), c.ReplyOrder)


async def _open_buys(incoming: Incoming, context: BotContext) -> str:
    """The buys one may order in from this chat (its building's, else the committee's), one line."""
    chat = incoming.chat
    binding = await context.services.roster.chat(chat.id) if chat.type != ChatType.PRIVATE else None
    _, buys = await context.services.groupbuys.relay_candidates(
        await context.actor(), "", binding.building if binding else None
    )
    if not buys:
        return context.t("gb.err.no_open")
    return context.t("parse.open_buys", buys=join(context.lang, (f"#{buy.id} {buy.name}" for buy in buys[:10])))


async def refuse(handled: Incoming | Press[Any], context: BotContext, refusal: Refused) -> None:
    """One line saying who may do it (for a message or a button; merged in a busy group), and an audit entry."""
    await _answer(handled, context, context.t(f"refused.{refusal.who}"))
    log.info("refused %s for update %s", refusal.action, handled.update.update_id)
    await context.services.audit.refused(handled.user.id, handled.message.chat_id, refusal.action)


def on_message(app: BotApp, which: filters.BaseFilter, callback: Listener) -> None:
    """Send the messages ``which`` picks (a shared contact) that have a chat and a sender to
    ``callback``; refusals and rule errors are answered as a command's."""

    async def run(update: Update, context: BotContext) -> None:
        incoming = Incoming.of(update)
        if incoming is not None:
            await _answering_errors(incoming, context, callback(incoming, context))

    app.add_handler(MessageHandler(which, run))


def on_press(app: BotApp, kind: type[B], callback: Callable[[Press[B], BotContext], Coroutine[Any, Any, None]]) -> None:
    """Send the presses of ``kind``'s buttons (``bot.language.callbacks``) to ``callback`` with their
    data decoded; refusals and rule errors are answered in a pop-up. A press under a message Telegram
    no longer shows the bot is answered that the button no longer works."""

    async def run(update: Update, context: BotContext) -> None:
        press = Press.of(update, kind)
        if press is None:
            if update.callback_query is not None:
                await update.callback_query.answer(context.t("button.gone"), show_alert=True)
            return
        await _answering_errors(press, context, callback(press, context))

    app.add_handler(CallbackQueryHandler(run, pattern=kind.matches))


def _replies_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def router_of(app: BotApp) -> Router:
    return app.bot_data.router


def register(app: BotApp) -> None:
    """Create the router; feature modules register into it afterwards."""
    app.bot_data.router = Router()
    text_messages = (filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE) & (filters.TEXT | filters.CAPTION)
    app.add_handler(MessageHandler(text_messages, app.bot_data.router.dispatch))
