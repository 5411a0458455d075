"""Volunteers: applications and their approval, check-in/out with hours, who is on duty, shift slots (排班).

``#报到`` is an application; the applicant becomes a volunteer (the ``volunteer`` role, for the
building applied for) only when that building's leader or the committee approves it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.config import Config
from bot.domain.models import Shift, Slot, VolunteerApplication
from bot.domain.permissions import Actor, Target, authorize
from bot.language import commands as c
from bot.services.errors import UserError
from storage import audit, roster
from storage import volunteers as store
from storage.db import Database
from storage.sql import Connection


@dataclass(frozen=True)
class Hours:
    name: str
    today: float
    week: float


@dataclass(frozen=True)
class Tick:
    closed: list[Shift]  # shifts left open too long, closed at the maximum length
    reminders: list[Slot]  # slots starting soon whose volunteers are to be reminded


class Volunteers:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock

    @property
    def _max_shift(self) -> timedelta:
        return timedelta(hours=self._config.volunteers.max_shift_hours)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self._config.schedule.tz)

    async def apply(
        self, actor: Actor, chat_id: int, command: c.VolunteerRegister, fallback_name: str
    ) -> VolunteerApplication:
        """``#报到``: an application for the applicant's household's building, else for the building
        whose group it was sent in (else none: only the committee can approve it). From an approved
        volunteer: new name and skills, still approved."""
        authorize(actor, "volunteer.apply")
        now = self._clock.now()

        def body(conn: Connection) -> VolunteerApplication:
            binding = roster.chat(conn, chat_id)
            building = actor.household.building if actor.household else (binding.building if binding else None)
            name = command.display_name or fallback_name
            applied = store.apply(conn, actor.user_id, name, command.skills, building, now)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=chat_id, action="volunteer.apply")
            return applied

        return await self._db.write(body)

    async def application_posted(self, user_id: int, chat_id: int, message_id: int) -> None:
        await self._db.write(lambda conn: store.application_posted(conn, user_id, chat_id, message_id))

    async def approve(
        self, actor: Actor, chat_id: int, *, user_id: int | None = None, message: int | None = None
    ) -> VolunteerApplication:
        """Approve the application of ``user_id``, or the one the bot's ``message`` in ``chat_id``
        carries. Its building: the applicant's household's now, else the one applied for; its
        leader or the committee may approve (with no building, the committee only)."""
        now = self._clock.now()

        def body(conn: Connection) -> VolunteerApplication:
            if message is not None:
                applied = store.by_application(conn, chat_id, message)
            else:
                applied = store.volunteer(conn, user_id) if user_id is not None else None
            if applied is None:
                raise UserError("vol.err.no_application")
            if applied.approved_at is not None:
                raise UserError("vol.err.already_approved", name=applied.display_name or applied.user_id)
            member = roster.member(conn, applied.user_id)
            building = member.household.building if member and member.household else applied.building
            authorize(actor, "volunteer.approve", Target(building=building))
            store.approve(conn, applied.user_id, building, actor.user_id, now)
            roster.grant(conn, applied.user_id, "volunteer", building or 0, actor.user_id, now)
            audit.add(
                conn,
                at=now,
                user_id=actor.user_id,
                chat_id=chat_id,
                action="volunteer.approve",
                detail=f"user {applied.user_id} building {building or 'all'}",
            )
            return applied.model_copy(update={"building": building, "approved_at": now})

        return await self._db.write(body)

    async def by_skill(self, actor: Actor) -> tuple[dict[str, list[str]], list[str]]:
        """The committee's view of the volunteer roster: skill → names, and the applicants."""
        authorize(actor, "volunteer.roster")
        everyone = await self._db.read(store.all_volunteers)
        grouped: dict[str, list[str]] = defaultdict(list)
        waiting = []
        for volunteer in everyone:
            name = volunteer.display_name or str(volunteer.user_id)
            if volunteer.approved_at is None:
                waiting.append(name)
                continue
            for skill in volunteer.skills or ["—"]:
                grouped[skill].append(name)
        return dict(grouped), waiting

    # ------------------------------------------------------------------ shifts
    async def check_in(self, actor: Actor, chat_id: int, message_id: int, command: c.CheckIn) -> Shift | None:
        authorize(actor, "checkin")
        now = self._clock.now()

        def body(conn: Connection) -> int | None:
            current = store.open_shift(conn, actor.user_id)
            if current is not None:
                raise UserError("vol.err.on_duty", since=self.local(current.started_at).strftime("%H:%M"))
            shift_id = store.start_shift(conn, actor.user_id, command.task, command.place, chat_id, message_id, now)
            if shift_id is not None:  # None: re-delivered
                audit.add(conn, at=now, user_id=actor.user_id, chat_id=chat_id, action="checkin")
            return shift_id

        shift_id = await self._db.write(body)
        if shift_id is None:
            return None
        return Shift(
            id=shift_id,
            user_id=actor.user_id,
            display_name=None,
            task=command.task,
            place=command.place,
            started_at=now,
            ended_at=None,
            flagged=False,
        )

    async def check_out(self, actor: Actor) -> tuple[float, bool]:
        """End my shift: (hours, whether it was capped at the maximum length)."""
        authorize(actor, "checkout")
        now = self._clock.now()

        def body(conn: Connection) -> tuple[Shift, datetime]:
            current = store.open_shift(conn, actor.user_id)
            if current is None:
                raise UserError("vol.err.not_on_duty")
            ended = min(now, current.started_at + self._max_shift)
            store.end_shift(conn, current.id, ended, flagged=ended < now)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action="checkout")
            return current, ended

        current, ended = await self._db.write(body)
        return round((ended - current.started_at).total_seconds() / 3600, 1), ended < now

    async def on_duty(self) -> list[Shift]:
        return await self._db.read(self.on_duty_in)

    @staticmethod
    def on_duty_in(conn: Connection) -> list[Shift]:
        """:meth:`on_duty` inside the caller's read (one moment with its other reads)."""
        return store.open_shifts(conn)

    def _duration(self, shift: Shift, now: datetime) -> float:
        end = shift.ended_at or min(now, shift.started_at + self._max_shift)
        return max(0.0, (end - shift.started_at).total_seconds() / 3600)

    async def hours(self) -> list[Hours]:
        """Hours per volunteer today and this week (Monday first), in the configured zone."""
        return await self._db.read(self.hours_in)

    def hours_in(self, conn: Connection) -> list[Hours]:
        """:meth:`hours` inside the caller's read."""
        now = self._clock.now()
        today = self.local(now).replace(hour=0, minute=0, second=0, microsecond=0)
        week = today - timedelta(days=today.weekday())
        shifts = store.shifts_between(conn, week, today + timedelta(days=1))
        per: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
        names: dict[int, str] = {}
        for shift in shifts:
            hours = self._duration(shift, now)
            per[shift.user_id][1] += hours
            if shift.started_at >= today:
                per[shift.user_id][0] += hours
            names[shift.user_id] = shift.display_name or str(shift.user_id)
        return sorted(
            (Hours(names[uid], round(day, 1), round(week_total, 1)) for uid, (day, week_total) in per.items()),
            key=lambda h: -h.week,
        )

    # ------------------------------------------------------------------ slots
    async def open_slot(self, actor: Actor, chat_id: int, message_id: int, command: c.ShiftOpen) -> Slot | None:
        authorize(actor, "shift.open")
        now = self._clock.now()

        def body(conn: Connection) -> Slot | None:
            slot_id = store.create_slot(
                conn,
                task=command.task,
                starts_at=command.start,
                ends_at=command.end,
                headcount=command.headcount,
                chat_id=chat_id,
                message_id=message_id,
                opened_by=actor.user_id,
                at=now,
            )
            if slot_id is None:
                return None
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=chat_id, action="shift.open", detail=f"#{slot_id}")
            return store.slot(conn, slot_id)

        return await self._db.write(body)

    async def take_slot(self, actor: Actor, slot_id: int) -> Slot:
        authorize(actor, "shift.take")
        now = self._clock.now()

        def body(conn: Connection) -> Slot | None:
            slot = store.slot(conn, slot_id)
            if slot is None:
                raise UserError("vol.err.no_slot", id=slot_id)
            if slot.ends_at <= now:
                raise UserError("vol.err.slot_over", id=slot_id)
            if actor.user_id in slot.takers:
                raise UserError("vol.err.slot_taken", id=slot_id)
            if len(slot.takers) >= slot.headcount:
                raise UserError("vol.err.slot_full", id=slot_id)
            store.take_slot(conn, slot_id, actor.user_id, now)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action="shift.take", detail=f"#{slot_id}")
            return store.slot(conn, slot_id)

        taken = await self._db.write(body)
        assert taken is not None
        return taken

    async def vacancies(self) -> list[Slot]:
        return await self._db.read(self.vacancies_in)

    def vacancies_in(self, conn: Connection) -> list[Slot]:
        """:meth:`vacancies` inside the caller's read."""
        return [slot for slot in store.upcoming_slots(conn, self._clock.now()) if len(slot.takers) < slot.headcount]

    async def tick(self, bot_id: int) -> Tick:
        """Every minute: close forgotten shifts at the maximum length; pick slots to remind. The bot
        ``bot_id`` takes those of the chats it is in (or no bot is), each once."""
        now = self._clock.now()
        lead = timedelta(minutes=self._config.volunteers.slot_reminder_minutes)

        def body(conn: Connection) -> Tick:
            closed: list[Shift] = []
            reminders: list[Slot] = []
            for shift in store.open_shifts(conn):
                ends = shift.started_at + self._max_shift
                if ends <= now and store.end_shift(conn, shift.id, ends, flagged=True, bot_id=bot_id):
                    closed.append(shift)  # once, though several processes run the tick
            for slot in store.upcoming_slots(conn, now):
                due = not slot.reminded and slot.takers and slot.starts_at - lead <= now < slot.starts_at
                if due and store.mark_reminded(conn, bot_id, slot.id):
                    reminders.append(slot)
            return Tick(closed=closed, reminders=reminders)

        return await self._db.write(body)
