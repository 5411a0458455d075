"""Guards that run before every feature (handler groups -3, -2 and -1)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.language.callbacks import decode
from handlers.context import BotApp, BotContext

log = logging.getLogger(__name__)

GUARD_GROUP = -2
BOT_GUARD_GROUP = -3  # before the re-delivery guard: one handler runs per group
BUTTON_GUARD_GROUP = -1  # after it: a re-delivered press was answered the first time


async def drop_bots(update: Update, context: BotContext) -> None:
    """Other bots may not register, file requests or order: their updates go no further. The bot's
    own service messages (a pin it made) and Telegram's stand-in for an anonymous admin or a
    channel (a message with ``sender_chat``, answered by the router) pass."""
    user = update.effective_user
    if user is None or not user.is_bot or user.id == context.bot.id:
        return
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return
    log.info("update %s from a bot; dropped", update.update_id)
    raise ApplicationHandlerStop


async def drop_redelivered(update: Update, context: BotContext) -> None:
    """Telegram re-sends an update after a timeout: handle each update id once.

    The id is written in the same transaction as the update's first effect (see
    ``storage.db.recording_update``, entered by ``bot.runtime.app.BotApplication``).
    """
    if update.update_id > context.bot_data.newest_update:
        return  # Telegram's update ids only grow: a newer id cannot have been handled
    if await context.services.deliveries.seen(update.update_id):
        log.info("update %s was handled before; dropped", update.update_id)
        raise ApplicationHandlerStop


async def refuse_foreign_presses(update: Update, context: BotContext) -> None:
    """A button acts only from the message that carries it (recorded by ``handlers.buttons``) and
    with data of a kind the bot knows (``bot.language.callbacks``): a press forged onto another
    message or chat, with data never sent or of no known kind (a button of an older version), or of
    a button edited away, is answered that the button no longer works and goes no further."""
    query = update.callback_query
    if query is None:
        return
    message = query.message
    if message is not None and query.data is not None and decode(query.data) is not None:
        if await context.services.deliveries.carries(message.chat.id, message.message_id, query.data):
            return
    log.info("update %s: a button press its message does not carry; refused", update.update_id)
    await query.answer(context.t("button.gone"), show_alert=True)
    raise ApplicationHandlerStop


def register(app: BotApp) -> None:
    app.add_handler(TypeHandler(Update, drop_bots), group=BOT_GUARD_GROUP)
    app.add_handler(TypeHandler(Update, drop_redelivered), group=GUARD_GROUP)
    app.add_handler(TypeHandler(Update, refuse_foreign_presses), group=BUTTON_GUARD_GROUP)
