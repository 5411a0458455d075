"""Special care (特殊关爱): the roster of households that need a daily knock on the door, the
volunteer paired with each, today's safety checks, and the escalation of those not reported safe."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import Clock
from bot.config import Config
from bot.domain.models import CareHousehold
from bot.domain.permissions import Actor, Target, allows, authorize, require_leader
from bot.domain.rooms import Room
from bot.services.errors import UserError
from storage import audit, roster
from storage import care as store
from storage.db import Database
from storage.sql import Connection

LEVELS = (1, 2, 3)  # 1: the paired volunteer, 2: the building's leader, 3: the committee


class Care:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    def _today(self, now: datetime | None = None) -> str:
        return (now or self._clock.now()).astimezone(self._config.schedule.tz).date().isoformat()

    def _member(self, conn: Connection, room: Room) -> CareHousehold:
        home = roster.household(conn, room.building, room.unit, room.room)
        found = store.get(conn, home.id) if home else None
        if found is None:
            raise UserError("care.err.not_in_roster", room=str(room))
        return found

    async def add(self, actor: Actor, room: Room, needs: str) -> CareHousehold:
        require_leader(actor, room.building, "care.add")
        now = self._clock.now()

        def body(conn: Connection) -> CareHousehold | None:
            home = roster.ensure_household(conn, room.building, room.unit, room.room, now)
            store.add(conn, home.id, needs, actor.user_id, now)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action="care.add", detail=home.label)
            return store.get(conn, home.id)

        added = await self._db.write(body)
        assert added is not None
        return added

    async def pair(self, actor: Actor, room: Room, volunteer: Actor | None) -> CareHousehold:
        """The leader pairs ``volunteer`` (the person whose message they replied to; None: no reply)."""
        require_leader(actor, room.building, "care.pair")
        if volunteer is None:
            raise UserError("care.err.need_volunteer", room=str(room))
        if not allows(volunteer, "care.paired", Target(building=room.building)):
            raise UserError("care.err.not_volunteer")
        now = self._clock.now()

        def body(conn: Connection) -> CareHousehold:
            member = self._member(conn, room)
            store.pair(conn, member.household_id, volunteer.user_id)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action="care.pair", detail=member.household)
            return member

        return await self._db.write(body)

    async def safe(self, actor: Actor, room: Room) -> tuple[CareHousehold, bool]:
        """Today's 报平安 by the paired volunteer (or a leader); False when already reported today."""
        now = self._clock.now()
        today = self._today(now)

        def body(conn: Connection) -> tuple[CareHousehold, bool]:
            member = self._member(conn, room)
            target = Target(building=member.building, household_id=member.household_id, claimer=member.volunteer_id)
            if actor.volunteer and not allows(actor, "care.safe", target):  # say why: someone else, or nobody
                key = "care.err.paired_other" if member.volunteer_id else "care.err.not_paired"
                raise UserError(key, household=member.household)
            authorize(actor, "care.safe", target)
            fresh = store.record_check(conn, member.household_id, today, actor.user_id, now)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action="care.safe", detail=member.household)
            return member, fresh

        return await self._db.write(body)

    async def not_safe_today(self) -> list[CareHousehold]:
        return await self._db.read(self.not_safe_in)

    def not_safe_in(self, conn: Connection) -> list[CareHousehold]:
        """:meth:`not_safe_today` inside the caller's read (one moment with its other reads)."""
        return store.unchecked(conn, self._today())

    async def due_escalations(self, bot_id: int) -> list[tuple[int, CareHousehold]]:
        """(level, household) pairs due now and not sent before, of the buildings the bot ``bot_id``
        serves (or no bot does); recorded as sent."""
        now = self._clock.now()
        local = now.astimezone(self._config.schedule.tz)
        start = datetime.combine(local.date(), self._config.care.check_time, self._config.schedule.tz)
        step = timedelta(minutes=self._config.care.escalate_after_minutes)
        due_levels = [level for level in LEVELS if local >= start + (level - 1) * step]
        if not due_levels:
            return []
        day = self._today(now)

        def body(conn: Connection) -> list[tuple[int, CareHousehold]]:
            sent = []
            for member in store.unchecked(conn, day):
                for level in due_levels:
                    if store.record_escalation(conn, bot_id, member.household_id, day, level, now):
                        sent.append((level, member))
            return sent

        return await self._db.write(body)
