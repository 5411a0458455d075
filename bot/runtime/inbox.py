"""The inbox: every update is stored in the database before Telegram is told it arrived.

PTB hands every update it receives to the application's update queue before it confirms it to
Telegram: polling confirms a batch with the next ``getUpdates`` (called once the batch is in the
queue), a webhook answers 200 once the update is in the queue. So the queue is where the inbox
stores: ``put`` writes the update (by its id) first. An update already stored (Telegram delivered
it again, or it is being handled from the inbox) is not queued twice. Once handled, with its replies
sent or owed in the outbox, the update is marked done (``BotApplication.process_update``).

A group two bots are in (a committee's chat, a building's group during a hand-over) gets each
message delivered to both, each under its own update id: the inbox stores one update per message
(``message_key``), so the first bot to store it handles and answers it, and the other drops its own.

Each update is held by the process that stored it. The updates stored and not done whose process
is gone (a crash, a stop) are queued again, oldest first, at start and, on PostgreSQL (several
workers), every ``TAKE_OVER_SECONDS`` (a worker that died while others run); each is taken by one
process when its turn comes (a conditional write), never one a live worker is handling. An update
whose chat has an earlier one held by a gone process handles that one first (``turn``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application

from bot.runtime.chat_order import chat_key
from bot.services.deliveries import Deliveries

log = logging.getLogger(__name__)


def message_key(update: Update) -> tuple[int, int, int] | None:
    """The group's message ``update`` carries, the same for every bot in the group (each gets it
    under its own update id): its chat, its id and its edit's date (0 as sent; an edit is a message
    of its own). None for what reaches one bot only: a private chat, a button press, the bot's own
    membership; and for a group's move to a supergroup, which every bot in it must follow."""
    message = update.message or update.edited_message or update.channel_post or update.edited_channel_post
    if message is None or message.chat.type == ChatType.PRIVATE or message.migrate_to_chat_id:
        return None
    edited = int(message.edit_date.timestamp()) if message.edit_date else 0
    return (message.chat.id, message.message_id, edited)


class InboxQueue(asyncio.Queue):
    """The application's update queue, storing each update before it is queued."""

    deliveries: Deliveries | None = None

    def __init__(self) -> None:
        super().__init__()
        self._stored: set[int] = set()  # held by this process and queued, not yet done
        self._orphans: dict[int, str | None] = {}  # queued from a gone process (its name), not yet taken

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and self.deliveries is not None:
            payload = json.dumps(item.to_dict(), ensure_ascii=False)
            received = await self.deliveries.receive([(item.update_id, payload, chat_key(item), message_key(item))])
            if received.elsewhere:
                log.info("update %s: its message is handled by another bot in the chat", item.update_id)
                return
            if not received.new:
                log.info("update %s is in the inbox already; not queued again", item.update_id)
                return
            self._stored.add(item.update_id)
        await super().put(item)

    async def take(self, update: Update) -> bool:
        """Before ``update`` is handled here: is it this process's? Yes unless it was queued as a
        gone process's and another process (or an earlier update's turn, ``turn``) took it first."""
        if update.update_id in self._stored or update.update_id not in self._orphans or self.deliveries is None:
            return True
        was = self._orphans.pop(update.update_id)
        if not await self.deliveries.take(update.update_id, was):
            return False
        self._stored.add(update.update_id)
        return True

    async def done(self, update: Update) -> None:
        """``update`` is handled: its replies are sent or owed in the outbox."""
        if self.deliveries is not None and update.update_id in self._stored:
            await self.deliveries.done([update.update_id])
            self._stored.discard(update.update_id)

    async def take_over(self, app: Application) -> int:
        """Queue the updates stored and not done whose process is gone (at start: what a crash or a
        stop left; then every ``TAKE_OVER_SECONDS`` on PostgreSQL: a worker that died while others
        run), oldest first; how many. Each is taken when its turn comes, by one process."""
        if self.deliveries is None:
            return 0
        orphans = [orphan for orphan in await self.deliveries.orphans() if orphan[0] not in self._orphans]
        for update_id, was, payload in orphans:
            self._orphans[update_id] = was
            self.put_nowait(Update.de_json(json.loads(payload), app.bot))
        if orphans:
            log.info("%s updates left by a process that is gone: handled here", len(orphans))
        return len(orphans)

    @asynccontextmanager
    async def turn(self, app: Application, chat: tuple[str, int], update_id: int | None) -> AsyncIterator[None]:
        """The chat's turn across the processes sharing a PostgreSQL database
        (``ChatOrderedProcessor.across``): earlier updates of the chat held by a live process go
        first; those a gone process held are handled here first, in order."""
        assert self.deliveries is not None and update_id is not None  # set up before any update
        async with self.deliveries.turn(chat, update_id) as earlier:
            for payload in earlier:
                update = Update.de_json(json.loads(payload), app.bot)
                self._stored.add(update.update_id)
                await app.process_update(update)
            yield
