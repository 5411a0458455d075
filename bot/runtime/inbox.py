"""The inbox: every update is stored in SQLite before Telegram is told it arrived.

PTB hands every update it receives to the application's update queue before it confirms it to
Telegram: polling confirms a batch with the next ``getUpdates`` (called once the batch is in the
queue), a webhook answers 200 once the update is in the queue. So the queue is where the inbox
stores: ``put`` writes the update (by its id) first. An update already stored (Telegram delivered
it again, or it is being handled from the inbox) is not queued twice. Once handled, with its replies
sent or owed in the outbox, the update is marked done (``BotApplication.process_update``); at start
the updates stored and not done are queued again, oldest first: those whose process is gone (a
crash, a stop), not those another live worker of the bot is handling now (each update is held by
the process that stored it, ``Deliveries.take_orphans``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.runtime.chat_order import chat_key
from bot.services.deliveries import Deliveries

log = logging.getLogger(__name__)


class InboxQueue(asyncio.Queue):
    """The application's update queue, storing each update before it is queued."""

    deliveries: Deliveries | None = None

    def __init__(self) -> None:
        super().__init__()
        self._stored: set[int] = set()  # queued from the inbox, not yet done

    async def put(self, item: Any) -> None:
        if isinstance(item, Update) and self.deliveries is not None:
            payload = json.dumps(item.to_dict(), ensure_ascii=False)
            if not await self.deliveries.receive([(item.update_id, payload, chat_key(item))]):
                log.info("update %s is in the inbox already; not queued again", item.update_id)
                return
            self._stored.add(item.update_id)
        await super().put(item)

    async def done(self, update: Update) -> None:
        """``update`` is handled: its replies are sent or owed in the outbox."""
        if self.deliveries is not None and update.update_id in self._stored:
            await self.deliveries.done([update.update_id])
            self._stored.discard(update.update_id)

    async def requeue_pending(self, app: Application) -> int:
        """At start: queue the updates stored and not done that no live process holds; how many."""
        if self.deliveries is None:
            return 0
        pending = await self.deliveries.take_orphans()
        for payload in pending:
            update = Update.de_json(json.loads(payload), app.bot)
            self._stored.add(update.update_id)
            self.put_nowait(update)
        if pending:
            log.info("%s updates stored before a stop and not done: handled now", len(pending))
        return len(pending)
