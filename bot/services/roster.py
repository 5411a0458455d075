"""The roster: building chats, households, residents and roles; the ground truth for "who has not
responded" (Telegram never tells a bot who is in a group)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Config
from bot.domain.models import ChatBinding, Household, Join
from bot.domain.permissions import Actor, Target, Who, allows, authorize, require, require_committee
from bot.domain.rooms import LocalRoom, Room
from bot.services.errors import UserError
from storage import audit, chats, roster
from storage.db import Database
from storage.sql import Connection


@dataclass(frozen=True)
class BindOutcome:
    binding: ChatBinding
    previous: ChatBinding | None


@dataclass(frozen=True)
class RegisterOutcome:
    household: Household
    moved_from: Household | None
    waiting_for: list[int] = field(default_factory=list)  # members who may approve: a request to join waits
    chat_building: int | None = None  # the group's building, when the room is in another one


class RosterImportError(ValueError):
    """A roster file line that cannot be read; nothing was imported."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line


class Roster:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self._db = db
        self._config = config
        self._clock = clock
        self.bot_id = 0  # the running bot's Telegram id, known once it is started (``start``)

    async def start(self, bot_id: int) -> None:
        """The bot is ``bot_id``: its chat lists are the chats it is in (several bots may share the
        database); chats from before they were kept per bot become its own."""
        self.bot_id = bot_id
        await self._db.write(lambda conn: roster.adopt_chats(conn, bot_id))

    # -------------------------------------------------------------- who is this
    async def actor(self, user_id: int) -> Actor:
        member, grants = await self._db.read(lambda conn: roster.member_and_roles(conn, user_id))
        return Actor(
            user_id=user_id,
            household=member.household if member else None,
            committee=user_id in self._config.committee.admins or any(g.role == "committee" for g in grants),
            leader_of=frozenset(g.building for g in grants if g.role == "leader"),
            volunteer_in=frozenset(g.building for g in grants if g.role == "volunteer"),
        )

    async def chat(self, chat_id: int) -> ChatBinding | None:
        return await self._db.read(lambda conn: roster.chat(conn, chat_id))

    async def building_chats(self, building: int | None = None) -> list[ChatBinding]:
        """The building chats this bot is in (of ``building``, or all)."""
        return await self._db.read(lambda conn: roster.chats(conn, self.bot_id, "building", building))

    async def building_chats_and_senders(self) -> list[tuple[ChatBinding, int]]:
        """Every building chat some bot is in, any bot's, with the bot to send there: this one when
        it is in it, else the lowest id of those that are (a chat no bot is in is not listed)."""
        return await self._db.read(lambda conn: roster.building_chats_and_senders(conn, self.bot_id))

    async def committee_chat_ids(self) -> list[int]:
        """The committee chats this bot is in, and ``committee.chat_id`` if configured."""
        ids = await self._db.read(lambda conn: [c.chat_id for c in roster.chats(conn, self.bot_id, "committee")])
        configured = self._config.committee.chat_id
        return [*ids, configured] if configured and configured not in ids else ids

    async def households(self, building: int | None = None) -> list[Household]:
        return await self._db.read(lambda conn: roster.households(conn, building))

    async def members_of(self, household_id: int) -> list[int]:
        return await self._db.read(lambda conn: roster.members_of(conn, household_id))

    async def leaders_of(self, building: int) -> list[int]:
        return await self._db.read(lambda conn: roster.leaders_of(conn, building))

    async def role_holders(self) -> list[int]:
        """Leaders, approved volunteers and the committee (appointed or in ``committee.admins``)."""
        holders = await self._db.read(roster.role_holders)
        return sorted({*holders, *self._config.committee.admins})

    # -------------------------------------------------------------- commands
    async def bind(
        self, actor: Actor, chat_id: int, title: str, *, building: int | None, committee: bool
    ) -> BindOutcome:
        require_committee(actor, "bind")
        now = self._clock.now()
        kind = "committee" if committee else "building"

        def body(conn: Connection) -> tuple[ChatBinding | None, ChatBinding | None]:
            previous = roster.chat(conn, chat_id)
            roster.bind_chat(
                conn, self.bot_id, chat_id, kind, None if committee else building, title, actor.user_id, now
            )
            audit.add(
                conn,
                at=now,
                user_id=actor.user_id,
                chat_id=chat_id,
                action="bind",
                detail=kind if committee else str(building),
            )
            return previous, roster.chat(conn, chat_id)

        previous, binding = await self._db.write(body)
        assert binding is not None
        return BindOutcome(binding=binding, previous=previous)

    async def register(
        self,
        actor: Actor,
        room: Room | LocalRoom,
        *,
        user_id: int,
        chat_id: int | None = None,
        display_name: str | None = None,
    ) -> RegisterOutcome:
        """Register ``user_id`` to ``room`` (a room without its building is in the building of the
        group ``chat_id``).
        Someone else: leaders only. An empty room is joined at once; a room with members only by a
        request that a member, the building's leader or the committee approves (:meth:`approve_join`);
        the mover leaves their old room."""
        now = self._clock.now()

        def body(conn: Connection) -> RegisterOutcome:
            binding = roster.chat(conn, chat_id) if chat_id is not None else None
            group_building = binding.building if binding else None
            where = room
            if isinstance(where, LocalRoom):
                if group_building is None:
                    raise UserError("register.need_building")
                where = where.in_building(group_building)
            oneself = user_id == actor.user_id
            if not oneself:
                authorize(actor, "register.other", Target(building=where.building))
            before = roster.member(conn, user_id)
            home = roster.ensure_household(conn, where.building, where.unit, where.room, now, self_registered=oneself)
            elsewhere = group_building if group_building not in (None, home.building) else None
            residents = [member for member in roster.members_of(conn, home.id) if member != user_id]
            target = Target(building=home.building, household_id=home.id)
            if oneself and residents and not allows(actor, "household.approve", target):
                roster.request_join(conn, user_id, home.id, display_name, now)
                audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action="register.ask", detail=home.label)
                return RegisterOutcome(home, None, waiting_for=residents, chat_building=elsewhere)
            roster.set_member(conn, user_id, home.id, display_name, now)
            roster.drop_join(conn, user_id)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action="register", detail=home.label)
            old = before.household if before else None
            return RegisterOutcome(home, old if old and old.id != home.id else None, chat_building=elsewhere)

        return await self._db.write(body)

    async def join_posted(self, user_id: int, chat_id: int, message_id: int) -> None:
        """The request to join went out as the bot's ``message_id``: its ✅ and replies approve it."""
        await self._db.write(lambda conn: roster.join_posted(conn, user_id, chat_id, message_id))

    async def approve_join(
        self, actor: Actor, chat_id: int, *, message: int | None = None, user_id: int | None = None
    ) -> Join | None:
        """Let someone join the household they asked for: the request the bot's ``message`` in
        ``chat_id`` carries, or the waiting one of ``user_id``; None when there is none."""
        now = self._clock.now()

        def body(conn: Connection) -> Join | None:
            if message is not None:
                asked = roster.join(conn, chat_id=chat_id, message_id=message)
            else:
                asked = roster.join(conn, user_id=user_id)
            if asked is None:
                return None
            home = asked.household
            authorize(actor, "household.approve", Target(building=home.building, household_id=home.id))
            roster.set_member(conn, asked.user_id, home.id, asked.display_name, now)
            roster.drop_join(conn, asked.user_id)
            audit.add(
                conn,
                at=now,
                user_id=actor.user_id,
                chat_id=chat_id,
                action="household.approve",
                detail=f"user {asked.user_id} {home.label}",
            )
            return asked

        return await self._db.write(body)

    async def appoint_leader(self, actor: Actor, chat_id: int, target_user_id: int, *, demote: bool) -> int:
        """Make ``target_user_id`` leader of this chat's building (or remove them); returns the building."""
        require_committee(actor, "leader")
        binding = await self.chat(chat_id)
        if binding is None or binding.building is None:
            raise NotBound
        building = binding.building
        now = self._clock.now()

        def body(conn: Connection) -> None:
            if demote:
                roster.revoke(conn, target_user_id, "leader", building)
            else:
                roster.grant(conn, target_user_id, "leader", building, actor.user_id, now)
            audit.add(
                conn,
                at=now,
                user_id=actor.user_id,
                chat_id=chat_id,
                action="leader.demote" if demote else "leader.appoint",
                detail=f"user {target_user_id} building {building}",
            )

        await self._db.write(body)
        return building

    async def grant(self, actor: Actor, user_id: int, role: str, building: int = 0) -> bool:
        """Give a role (committee only: volunteers apply with #报到 and are approved there)."""
        require(actor.committee, f"role.{role}", Who.COMMITTEE)
        now = self._clock.now()

        def body(conn: Connection) -> bool:
            added = roster.grant(conn, user_id, role, building, actor.user_id, now)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action=f"role.{role}", detail=str(user_id))
            return added

        return await self._db.write(body)

    async def clear_roles(self, actor: Actor, user_id: int) -> None:
        require_committee(actor, "role.clear")

        def body(conn: Connection) -> None:
            for role in ("volunteer", "leader", "committee"):
                roster.revoke(conn, user_id, role)

        await self._db.write(body)

    async def save_phone(self, user_id: int, phone: str) -> None:
        digits = re.sub(r"[^\d+]", "", phone)
        if not re.fullmatch(r"\+?\d{5,15}", digits):
            raise ValueError("not a phone number")
        now = self._clock.now()
        await self._db.write(lambda conn: roster.save_phone(conn, user_id, digits, now))

    async def phone(self, user_id: int) -> str | None:
        return await self._db.read(lambda conn: roster.phone(conn, user_id))

    async def purge(self, actor: Actor) -> dict[str, int]:
        require_committee(actor, "purge")
        now = self._clock.now()

        def body(conn: Connection) -> dict[str, int]:
            counts = roster.purge_personal_data(conn, now)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action="purge", detail=str(counts))
            return counts

        return await self._db.write(body)

    # -------------------------------------------------------------- Telegram events
    async def migrate_chat(self, old_id: int, new_id: int) -> list[str]:
        now = self._clock.now()

        def body(conn: Connection) -> list[str]:
            touched = roster.move_chat_everywhere(conn, old_id, new_id)
            audit.add(conn, at=now, user_id=None, chat_id=new_id, action="chat.migrate", detail=str(old_id))
            return touched

        return await self._db.write(body)

    async def mark_kicked(self, chat_id: int) -> None:
        """This bot was removed from the chat: it sends nothing more there (another bot in it goes on)."""
        await self._db.write(lambda conn: roster.mark_kicked(conn, self.bot_id, chat_id))

    async def rejoined(self, chat_id: int) -> ChatBinding | None:
        """This bot is back in a chat it was removed from, or added to one another bot bound: the
        chat's binding (if it had one) holds again, for this bot too."""
        return await self._db.write(lambda conn: chats.rejoined(conn, self.bot_id, chat_id))

    # -------------------------------------------------------------- the roster file
    async def import_csv(self, text: str) -> int:
        """Import ``building,unit,room[,name][,special_care]`` lines, all or nothing. Returns the count."""
        rows = _read_roster(text)
        now = self._clock.now()

        def body(conn: Connection) -> None:
            for room, name, care in rows:
                roster.ensure_household(
                    conn, room.building, room.unit, room.room, now, contact_name=name, special_care=care
                )
            audit.add(conn, at=now, user_id=None, chat_id=None, action="roster.import", detail=str(len(rows)))

        await self._db.write(body)
        return len(rows)


class NotBound(Exception):
    """The chat is not bound to a building."""


_TRUE = {"1", "yes", "y", "true", "是", "特殊", "关爱", "x"}
_FALSE = {"", "0", "no", "n", "false", "否"}


def _read_roster(text: str) -> list[tuple[Room, str | None, bool]]:
    rows: list[tuple[Room, str | None, bool]] = []
    seen: set[Room] = set()
    for number, cells in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and not cells[0].isdigit():
            continue  # a header line
        if len(cells) < 3:
            raise RosterImportError(number, "expected building,unit,room[,name][,special_care]")
        building, unit, room = cells[:3]
        if not building.isdigit() or not room.isdigit() or (unit and not unit.isdigit()):
            raise RosterImportError(number, "building, unit and room must be numbers (unit may be empty)")
        try:
            parsed = Room(building=int(building), unit=int(unit) if unit and int(unit) else None, room=int(room))
        except ValueError:
            raise RosterImportError(number, "building, unit or room out of range") from None
        if parsed in seen:
            raise RosterImportError(number, f"{parsed} appears twice")
        seen.add(parsed)
        name = cells[3][:40] if len(cells) > 3 and cells[3] else None
        flag = cells[4].lower() if len(cells) > 4 else ""
        if flag not in _TRUE | _FALSE:
            raise RosterImportError(number, f"special_care must be yes/no, got {flag!r}")
        rows.append((parsed, name, flag in _TRUE))
    return rows
