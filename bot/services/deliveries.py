"""What Telegram delivered and what the bot sent: the inbox (every update stored before Telegram is
told it arrived, done once handled and its replies sent or owed in the outbox), the update ids
handled (a re-delivered update is dropped) and the callback data each sent message carries (a
press must come from its own message)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.clock import Clock
from storage import buttons, updates
from storage.db import Database, current_update, current_update_key

# the update being handled, for the Telegram layer
__all__ = ["Deliveries", "current_update", "current_update_key"]

UPDATES_KEPT_DAYS = 7  # Telegram re-delivers for a day: a week is plenty
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

    async def receive(self, delivered: list[tuple[int, str, tuple[str, int] | None]]) -> list[int]:
        """Store delivered updates (id, JSON, the chat whose order they keep); the ids not stored before."""
        now = self._clock.now()
        holder = self._db.holder
        return await self._db.write(lambda conn: updates.receive(conn, self.bot_id, delivered, holder, now))

    async def pending(self) -> list[str]:
        """The updates stored and not done (a crash came between), oldest first."""
        return await self._db.read(lambda conn: updates.pending(conn, self.bot_id))

    async def take_orphans(self) -> list[str]:
        """The updates stored and not done whose process is gone (killed, stopped before handling
        them), to be handled here, oldest first; those another live process handles stay its."""
        held = await self._db.read(lambda conn: updates.holders(conn, self.bot_id))
        gone = [holder for holder in held if not await self._db.alive(holder)]
        holder = self._db.holder
        return await self._db.write(lambda conn: updates.take(conn, self.bot_id, gone, holder))

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
