"""Sending one thing to many chats: staggered within Telegram's limits, and a chat that removed
the bot is marked so nothing more is sent there."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Message
from telegram.error import ChatMigrated, Forbidden
from telegram.ext import Application

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
