"""What Telegram delivered and what the bot sent: the inbox (every update stored before Telegram is
told it arrived, done once handled and its replies sent or owed in the outbox), the update ids
handled (a re-delivered update is dropped) and the callback data each sent message carries (a
press must come from its own message)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from bot.clock import Clock
from storage import buttons, updates
from storage.db import TURN_POLL_SECONDS, Database, current_update, current_update_key

# the update being handled, for the Telegram layer
__all__ = ["Deliveries", "current_update", "current_update_key"]

# Telegram keeps an update for a day (re-delivered, or waiting for a bot that is down): so does a
# message another bot in its chat may still receive. A week is plenty.
UPDATES_KEPT_DAYS = 7
BUTTONS_KEPT_DAYS = 30


class Deliveries:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self.bot_id = 0  # the bot's Telegram id, known once it is started (``start``)

    async def start(self, bot_id: int) -> None:
        """The bot is ``bot_id``: its updates are kept apart from other bots' sharing the database."""
        self.bot_id = bot_id
        await self._db.write(lambda conn: updates.adopt(conn, bot_id))

    async def newest_update(self) -> int:
        return await self._db.read(lambda conn: updates.newest(conn, self.bot_id))

    async def seen(self, update_id: int) -> bool:
        return await self._db.read(lambda conn: updates.seen(conn, self.bot_id, update_id))

    async def receive(self, delivered: list[updates.Delivered]) -> updates.Received:
        """Store delivered updates (id, JSON, the chat whose order they keep, the group's message they
        carry): the ids not stored before, and those whose message another bot in the chat stored
        first (not stored: that bot handles it)."""
        now = self._clock.now()
        holder = self._db.holder
        return await self._db.write(lambda conn: updates.receive(conn, self.bot_id, delivered, holder, now))

    async def pending(self) -> list[str]:
        """The updates stored and not done (a crash came between), oldest first."""
        return await self._db.read(lambda conn: updates.pending(conn, self.bot_id))

    async def orphans(self) -> list[tuple[int, str | None, str]]:
        """The updates stored and not done whose process is gone (killed, stopped before handling
        them): (id, holder, JSON), oldest first, to be taken (``take``) when their turn comes; those
        another live process handles stay its."""
        held = await self._db.read(lambda conn: updates.holders(conn, self.bot_id))
        gone = [holder for holder in held if not await self._db.alive(holder)]
        if not gone:
            return []
        return await self._db.read(lambda conn: updates.held_by(conn, self.bot_id, gone))

    async def take(self, update_id: int, was: str | None) -> bool:
        """Hold ``update_id``, left by the gone process ``was``, here; False when another process
        took it first (or it is done)."""
        holder = self._db.holder
        return await self._db.write(lambda conn: updates.take(conn, self.bot_id, update_id, was, holder))

    @asynccontextmanager
    async def turn(self, chat: tuple[str, int], update_id: int) -> AsyncIterator[list[str]]:
        """The turn of ``chat`` across the processes sharing the database, for ``update_id``: taken
        once no earlier update of the chat is held by another process that still runs (that one
        goes first). The earlier ones whose process is gone are held here from then on and given
        (JSON, oldest first) to be handled before ``update_id``."""
        while True:
            async with self._db.turn(self.bot_id, chat):
                earlier = await self._take_earlier(chat, update_id)
                if earlier is not None:
                    yield earlier
                    return
            await asyncio.sleep(TURN_POLL_SECONDS)

    async def _take_earlier(self, chat: tuple[str, int], update_id: int) -> list[str] | None:
        """The earlier updates of ``chat`` held by gone processes, now held here; None while another
        live process holds one."""
        holder = self._db.holder
        held = await self._db.read(lambda conn: updates.earlier_holders(conn, self.bot_id, chat, update_id, holder))
        if not held:
            return []
        gone = [other for other in held if not await self._db.alive(other)]
        if len(gone) < len(held):
            return None
        return await self._db.write(lambda conn: updates.take_earlier(conn, self.bot_id, chat, update_id, gone, holder))

    async def done(self, update_ids: list[int]) -> None:
        now = self._clock.now()
        await self._db.write(lambda conn: updates.done(conn, self.bot_id, update_ids, now))

    async def carries(self, chat_id: int, message_id: int, data: str) -> bool:
        return await self._db.read(lambda conn: buttons.carries(conn, chat_id, message_id, data))

    async def record_buttons(self, chat_id: int, message_id: int, carried: Iterable[str]) -> None:
        """The callback data a message now carries (after a send or an edit)."""
        now = self._clock.now()
        await self._db.write(lambda conn: buttons.carry(conn, chat_id, message_id, carried, now))

    async def forget_old(self) -> None:
        """Drop handled update ids and button records past their keeping time (at start-up)."""
        now = self._clock.now()
        await self._db.write(lambda conn: updates.forget_older_than(conn, now, days=UPDATES_KEPT_DAYS))
        await self._db.write(lambda conn: buttons.forget_older_than(conn, now, days=BUTTONS_KEPT_DAYS))
