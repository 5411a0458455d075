"""Notices (通知) and rumor rebuttals (辟谣), issued by the committee to every building group."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import timedelta

from bot.clock import Clock
from bot.config import Config
from bot.domain.models import Notice, Rumor
from bot.domain.permissions import Actor, require_committee
from bot.language import commands as c
from bot.services.errors import UserError
from storage import audit
from storage import bulletins as store
from storage.db import Database
from storage.sql import Connection

RUMOR_REPLY_EVERY = timedelta(hours=1)


class Bulletins:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock
        self._active: list[Rumor] | None = None  # every group message is checked against these

    def today(self) -> str:
        return self._clock.now().astimezone(self._config.schedule.tz).date().isoformat()

    # ------------------------------------------------------------------ notices
    async def add_notice(self, actor: Actor, command: c.Notice) -> Notice:
        require_committee(actor, "notice")
        now = self._clock.now()
        daily = command.daily_at.strftime("%H:%M") if command.daily_at else None

        def body(conn: Connection) -> Notice | None:
            notice_id = store.add_notice(conn, command.text, daily, actor.user_id, now)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action="notice", detail=f"#{notice_id}")
            return store.notice(conn, notice_id)

        notice = await self._db.write(body)
        assert notice is not None
        return notice

    async def recurring(self, actor: Actor | None = None) -> list[Notice]:
        if actor is not None:
            require_committee(actor, "notices")
        return await self._db.read(store.recurring_notices)

    async def stop_notice(self, actor: Actor, notice_id: int) -> None:
        require_committee(actor, "notice_off")
        if not await self._db.write(lambda conn: store.stop_notice(conn, notice_id)):
            raise UserError("notice.err.not_found", id=notice_id)

    async def repeating(self, notice_id: int) -> Notice | None:
        """The daily notice ``notice_id``, None once stopped."""
        notice = await self._db.read(lambda conn: store.notice(conn, notice_id))
        return notice if notice is not None and notice.active and notice.daily_at else None

    def claim_day(self, notice_id: int, chat_id: int, day: str) -> Callable[[Connection], bool]:
        """The claim of the notice's post in ``chat_id`` on ``day``, made in the write that owes it
        (the outbox's ``owe_all(provided=…)``): True for the first such write, whichever bot's."""
        now = self._clock.now()
        return lambda conn: store.claim_notice_day(conn, notice_id, chat_id, day, now)

    # ------------------------------------------------------------------ rumors
    async def add_rumor(self, actor: Actor, command: c.Rumor) -> tuple[Rumor, list[int]]:
        require_committee(actor, "rumor")
        now = self._clock.now()

        def body(conn: Connection) -> tuple[Rumor | None, list[int]]:
            rumor_id, superseded = store.add_rumor(
                conn,
                title=command.title,
                keywords=command.keywords,
                content=command.content,
                source=command.source,
                by=actor.user_id,
                at=now,
            )
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action="rumor", detail=f"#{rumor_id}")
            return store.rumor(conn, rumor_id), superseded

        rumor, superseded = await self._db.write(body)
        self._active = None
        assert rumor is not None
        return rumor, superseded

    async def active_rumors(self) -> list[Rumor]:
        if self._active is None:
            self._active = await self._db.read(store.active_rumors)
        return self._active

    async def retire_rumor(self, actor: Actor, rumor_id: int) -> None:
        require_committee(actor, "rumor_off")
        if not await self._db.write(lambda conn: store.retire_rumor(conn, rumor_id)):
            raise UserError("rumor.err.not_found", id=rumor_id)
        self._active = None

    async def mentioned(self, text: str) -> list[Rumor]:
        """Active rumors whose keywords the message mentions (from memory: no database read)."""
        folded = unicodedata.normalize("NFKC", text).lower()
        return [r for r in await self.active_rumors() if any(k.lower() in folded for k in r.keywords)]

    async def rumors_to_answer(self, chat_id: int, matching: list[Rumor]) -> list[Rumor]:
        """Of ``matching``, those not answered in this chat within the hour; recorded as answered."""
        now = self._clock.now()

        def body(conn: Connection) -> list[Rumor]:
            return [
                rumor
                for rumor in matching
                if store.claim_rumor_reply(conn, chat_id, rumor.id, now, now - RUMOR_REPLY_EVERY)
            ]

        return await self._db.write(body)

    def rumors_today(self, conn: Connection) -> int:
        """Rebuttals issued today, inside the caller's read (the daily report's)."""
        local = self._clock.now().astimezone(self._config.schedule.tz)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return store.rumors_issued_between(conn, start, start + timedelta(days=1))
