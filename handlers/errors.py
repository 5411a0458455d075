"""The error handler: log what failed (never message text or personal data), and tell the user
what became of their message: not recorded (send again), or recorded (do not send again)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TelegramError

from bot.services.errors import AlreadyProcessed, StorageError
from handlers.context import BotApp, BotContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, AlreadyProcessed):
        log.info("update %s was handled before; its effect is not repeated", update_id)
        return
    chat = update.effective_chat if isinstance(update, Update) else None
    if isinstance(error, Forbidden) and chat is not None and chat.type != "private":
        log.warning("the bot was removed from a group (update %s); marking the chat", update_id)
        await context.services.roster.mark_kicked(chat.id)
        return
    if isinstance(error, NetworkError) and update is None:  # polling could not reach Telegram
        log.warning("cannot reach Telegram (%s); retrying", error.__class__.__name__)
        return
    if isinstance(error, StorageError):
        log.error("storage error while handling update %s: %s", update_id, error)
        key = "error.storage"
    elif update_id is not None and await context.services.deliveries.seen(update_id):
        # Its effect is stored: "try again" would store it twice. (A reply Telegram did not take
        # never comes here: it is owed in the outbox, handlers/sending.py.)
        log.error("error after update %s was stored: %s", update_id, error.__class__.__name__, exc_info=error)
        key = "error.after_stored"
    else:
        log.error(
            "error while handling update %s: %s",
            update_id,
            error.__class__.__name__,
            exc_info=(type(error), error, error.__traceback__) if error else None,
        )
        key = "error.apology"
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(error, Forbidden):
        return  # the bot cannot write there; nothing to tell
    try:
        await context.bot.send_message(update.effective_chat.id, context.t(key))
    except TelegramError as exc:
        log.warning("could not send the apology for update %s: %s", update_id, exc.__class__.__name__)


def register(app: BotApp) -> None:
    app.add_error_handler(on_error)
