"""Writing to the audit log outside a feature's own transaction (refusals)."""

from __future__ import annotations

from bot.clock import Clock
from storage import audit
from storage.db import Database


class Audit:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def refused(self, user_id: int | None, chat_id: int | None, action: str) -> None:
        now = self._clock.now()
        await self._db.write(
            lambda conn: audit.add(conn, at=now, user_id=user_id, chat_id=chat_id, action=action, outcome="refused")
        )
