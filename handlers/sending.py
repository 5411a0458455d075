"""Sending beyond a reply: one thing to many chats (staggered within Telegram's limits; a chat that
removed the bot is marked so nothing more is sent there), and private messages (which Telegram
refuses until the person has opened a private chat with the bot)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import ChatMigrated, Forbidden
from telegram.ext import Application

from bot.render.formatting import split_message

log = logging.getLogger(__name__)

# About 20 messages a second overall: below Telegram's ~30/s, leaving room for replies.
STAGGER_SECONDS = 0.05

Send = Callable[[int], Awaitable[Message]]


async def broadcast(app: Application, chat_ids: list[int], send: Send) -> list[Message]:
    """Call ``send(chat_id)`` for each chat in turn; returns the messages that went out."""
    roster = app.bot_data.services.roster
    sent = []
    for index, chat_id in enumerate(chat_ids):
        if index:
            await asyncio.sleep(STAGGER_SECONDS)
        try:
            sent.append(await send(chat_id))
        except ChatMigrated as moved:
            await roster.migrate_chat(chat_id, moved.new_chat_id)
            app.bot_data.services.settings.move_chat(chat_id, moved.new_chat_id)
            sent.append(await send(moved.new_chat_id))
        except Forbidden:
            log.warning("the bot was removed from a chat; marking it")
            await roster.mark_kicked(chat_id)
    return sent


async def building_chat_ids(app: Application) -> list[int]:
    return [chat.chat_id for chat in await app.bot_data.services.roster.building_chats()]


async def send_private(bot: Bot, user_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> bool:
    """Send to a person's private chat (split to fit, buttons under the last part); False when they
    have not opened a private chat with the bot."""
    parts = split_message(text.splitlines())
    try:
        for i, part in enumerate(parts):
            await bot.send_message(user_id, part, reply_markup=markup if i == len(parts) - 1 else None)
    except Forbidden:
        return False
    return True


async def send_private_photo(bot: Bot, user_id: int, file_id: str, caption: str) -> bool:
    """A photo a resident sent (by its file id) to a person's private chat; False as ``send_private``."""
    try:
        await bot.send_photo(user_id, file_id, caption=caption)
    except Forbidden:
        return False
    return True
