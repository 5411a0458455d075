"""Group buys (团购 / 接龙): the arithmetic floor leaders did by hand, in fen, exactly."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain.models import Board, BuyOrder, GroupBuy, Household
from bot.domain.permissions import Actor, Who, require, require_household, require_leader
from bot.domain.rooms import Room
from bot.domain.statuses import BUY, BuyStatus
from bot.language import commands as c
from bot.language.times import parse_time
from bot.services.errors import UserError
from storage import audit, roster
from storage import groupbuys as store
from storage.db import Database
from storage.sql import Connection

# An order of at least this many, and this many times the buy's usual order, is asked about first.
UNUSUAL_AT_LEAST = 10
UNUSUAL_TIMES = 5
REMIND_BEFORE = timedelta(hours=1)  # the households that have not joined are reminded this long before the deadline


@dataclass(frozen=True)
class OrderOutcome:
    buy: GroupBuy
    household: Household
    after: int
    # The message said 已付 but its sender cannot mark payments: the leader confirms them.
    paid_unconfirmed: bool = False


@dataclass(frozen=True)
class RelayOutcome:
    buy: GroupBuy
    imported: list[tuple[str, int]]
    not_allowed: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Tally:
    """Everything the board and the summary show, computed once. ``orders`` keeps a paid order that
    was withdrawn (quantity 0) so its refund shows; ``ordering`` is the households that order."""

    buy: GroupBuy
    orders: list[BuyOrder]
    not_ordered: list[str]

    @property
    def ordering(self) -> list[BuyOrder]:
        return [o for o in self.orders if o.quantity]

    @property
    def total(self) -> int:
        return sum(order.quantity for order in self.orders)

    @property
    def money_fen(self) -> int:
        return sum(self.due_fen(o) for o in self.orders)

    def due_fen(self, order: BuyOrder) -> int:
        """What the household owes for its order: nothing once the buy is called off (未成团)."""
        return 0 if self.buy.called_off else order.quantity * self.buy.price_fen

    def paid_in_fen(self, order: BuyOrder) -> int:
        return order.paid_fen if order.paid else 0

    def balance_fen(self, order: BuyOrder) -> int:
        """Still to pay (positive) or to refund (negative): the order changed after paying, or the
        buy was called off."""
        return self.due_fen(order) - self.paid_in_fen(order)

    @property
    def paid_fen(self) -> int:
        return sum(self.paid_in_fen(o) for o in self.orders)

    @property
    def unpaid(self) -> list[BuyOrder]:
        """Orders with money still to settle either way."""
        return [o for o in self.orders if self.balance_fen(o)]

    @property
    def short_of_minimum(self) -> int:
        """How many more units the supplier's minimum needs (0 when reached or none)."""
        return max(0, (self.buy.minimum or 0) - self.total)

    @property
    def cases(self) -> tuple[int, int, int]:
        """(full cases, units over, units short of the next full case); zeros without a case size."""
        size = self.buy.case_size
        if not size:
            return 0, 0, 0
        full, over = divmod(self.total, size)
        return full, over, (size - over) if over else 0

    def by_building(self) -> dict[int, list[BuyOrder]]:
        """The delivery list: per building, in unit and room order (orders come sorted)."""
        grouped: dict[int, list[BuyOrder]] = {}
        for order in self.ordering:
            grouped.setdefault(order.building, []).append(order)
        return grouped


@dataclass(frozen=True)
class Reminder:
    """A buy about to close, and per building the rooms of the roster that have not joined."""

    buy: GroupBuy
    not_joined: dict[int, list[str]]


class GroupBuys:
    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo) -> None:
        self._db = db
        self._clock = clock
        self._tz = tz

    async def get(self, buy_id: int) -> GroupBuy:
        buy = await self._db.read(lambda conn: store.get(conn, buy_id))
        if buy is None:
            raise UserError("gb.err.not_found", id=buy_id)
        return buy

    def is_closed(self, buy: GroupBuy) -> bool:
        return buy.status is not BuyStatus.OPEN or (buy.deadline is not None and buy.deadline <= self._clock.now())

    # ------------------------------------------------------------------ opening
    @staticmethod
    def require_opener(actor: Actor, building: int | None) -> None:
        """A building's buy is opened by its leader (or the committee); one for everyone by the committee."""
        if building is None:
            require(actor.committee, "gb.open", Who.COMMITTEE)
        else:
            require_leader(actor, building, "gb.open")

    def read_deadline(self, text: str) -> datetime | None:
        """A deadline typed in answer to the bot's question (``明天20:00``); None unless it is a
        readable moment in the future."""
        try:
            moment = parse_time(text.strip(), self._clock.now(), self._tz)
        except ValueError:
            return None
        return moment if moment > self._clock.now() else None

    async def open(
        self, actor: Actor, chat_id: int, message_id: int, building: int | None, command: c.GroupBuyOpen
    ) -> GroupBuy | None:
        """Open a buy for ``building`` (None: the committee's, for everyone). None if re-delivered."""
        self.require_opener(actor, building)
        now = self._clock.now()

        def body(conn: Connection) -> GroupBuy | None:
            buy_id = store.create(
                conn,
                title=command.title,
                price_fen=command.price_fen,
                unit=command.unit,
                deadline=command.deadline,
                minimum=command.minimum,
                case_size=command.case_size,
                max_each=command.limit,
                building=building,
                opened_by=actor.user_id,
                chat_id=chat_id,
                message_id=message_id,
                at=now,
                spec=command.spec,
                pickup=command.pickup,
            )
            if buy_id is None:
                return None
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=chat_id, action="gb.open", detail=f"#{buy_id}")
            return store.get(conn, buy_id)

        return await self._db.write(body)

    # ------------------------------------------------------------------ changing, re-opening
    async def changeable(self, actor: Actor, buy_id: int) -> GroupBuy:
        """The open buy ``actor`` may change (refused otherwise, before any question is asked)."""
        buy = await self.get(buy_id)
        self._require_manager(actor, buy, "gb.change")
        return self._open(buy, buy_id)

    async def change(self, actor: Actor, command: c.BuyChange) -> tuple[GroupBuy, GroupBuy]:
        """New terms for an open buy, orders kept: (the buy before, after)."""
        await self.changeable(actor, command.buy_id)
        now = self._clock.now()

        def body(conn: Connection) -> tuple[GroupBuy, GroupBuy]:
            before = self._open(store.get(conn, command.buy_id), command.buy_id)
            store.change(
                conn,
                before.id,
                price_fen=command.price_fen,
                deadline=command.deadline,
                minimum=command.minimum,
                max_each=command.limit,
            )
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action="gb.change", detail=f"#{before.id}")
            after = store.get(conn, before.id)
            assert after is not None
            return before, after

        return await self._db.write(body)

    async def next_round(self, actor: Actor, buy_id: int) -> c.GroupBuyOpen:
        """The terms of closed buy ``buy_id`` for its next round, opened as a new buy. A deadline
        already past becomes the same time of day next (``unsure``: the leader is asked)."""
        buy = await self.get(buy_id)
        self._require_manager(actor, buy, "gb.reopen")
        if not self.is_closed(buy):
            raise UserError("gb.err.reopen_open", id=buy_id)
        deadline = buy.deadline
        unsure: tuple[str, ...] = ()
        if deadline is not None and deadline <= self._clock.now():
            days = (self._clock.now() - deadline).days + 1
            deadline, unsure = deadline + timedelta(days=days), ("deadline",)
        return c.GroupBuyOpen(
            title=buy.title,
            price_fen=buy.price_fen,
            unit=buy.unit,
            deadline=deadline,
            minimum=buy.minimum,
            case_size=buy.case_size,
            limit=buy.max_each,
            spec=buy.spec,
            pickup=buy.pickup,
            unsure=unsure,
        )

    # ------------------------------------------------------------------ ordering
    async def order(
        self, actor: Actor, buy_id: int, quantity: int, room: Room | None = None, *, paid: bool = False
    ) -> OrderOutcome:
        """Set the household's total for this buy (a repeated message does not add; 0 withdraws).
        ``paid``: the message says 已付, which marks the order paid when its sender manages the buy."""
        now = self._clock.now()

        def body(conn: Connection) -> OrderOutcome:
            household = self._household(conn, actor, room, now)
            buy = self._open(store.get(conn, buy_id), buy_id)
            if buy.building is not None and household.building != buy.building:
                raise UserError("gb.err.other_building", id=buy.id, building=buy.building)
            if buy.max_each and quantity > buy.max_each:
                raise UserError("gb.err.limit", id=buy.id, limit=buy.max_each, unit=buy.unit)
            store.set_order(conn, buy_id, household.id, quantity, actor.user_id, now)
            audit.add(
                conn,
                at=now,
                user_id=actor.user_id,
                chat_id=None,
                action="gb.order",
                detail=f"#{buy_id} {household.label}",
            )
            marked = paid and quantity > 0 and self.manages(actor, buy)
            if marked:
                store.mark_paid(conn, buy_id, household.id)
            return OrderOutcome(buy=buy, household=household, after=quantity, paid_unconfirmed=paid and not marked)

        return await self._db.write(body)

    async def adjust(self, actor: Actor, buy_id: int, delta: int) -> OrderOutcome:
        """The board's +1 / −1 buttons: change my household's quantity by ``delta``."""
        household = require_household(actor, "gb.order")
        current = await self._db.read(lambda conn: store.order_quantity(conn, buy_id, household.id))
        return await self.order(actor, buy_id, max(0, current + delta))

    async def buy_of_board(self, chat_id: int, message_id: int) -> int | None:
        return await self._db.read(lambda conn: store.buy_of_board(conn, chat_id, message_id))

    async def relay_candidates(
        self, actor: Actor, title: str, building: int | None
    ) -> tuple[list[GroupBuy], list[GroupBuy]]:
        """Which open buy a relay titled ``title`` is for: (buys whose title matches, every buy it
        could be for). A relay stays in its building: a building group's relay is for that
        building's buys (or the committee's, when the building has none open); elsewhere, for the
        buys the sender may order in."""
        buys = await self._db.read(lambda conn: [buy for buy in store.open_buys(conn) if not self.is_closed(buy)])
        if building is not None:
            pool = [b for b in buys if b.building == building] or [b for b in buys if b.building is None]
        else:
            home = actor.household.building if actor.household else None
            pool = [b for b in buys if b.building is None or b.building == home or actor.leads(b.building)]
        key = title_key(title)
        if not key:
            return [], pool
        return [b for b in pool if key in title_key(b.title) or title_key(b.title) in key], pool

    async def import_relay(self, actor: Actor, command: c.RelayImport, building: int | None) -> RelayOutcome:
        """A pasted WeChat relay for buy ``command.buy_id`` (chosen by ``relay_candidates``). From a
        leader every line counts (their buildings); from a resident only their own household's line."""
        buy_id = command.buy_id
        assert buy_id is not None
        now = self._clock.now()

        def body(conn: Connection) -> RelayOutcome:
            buy = self._open(store.get(conn, buy_id), buy_id)
            if building is not None and buy.building not in (None, building):
                raise UserError("gb.err.other_building", id=buy.id, building=buy.building)
            imported: list[tuple[str, int]] = []
            not_allowed: list[str] = []
            helper = actor.committee or bool(actor.leader_of)
            if not helper:
                home = require_household(actor, "gb.relay")
                mine = [line for line in command.lines if home.is_at(line.room)]
                if not mine:
                    raise UserError("gb.err.relay_not_found", room=home.label)
                lines = mine[-1:]
            else:
                lines = command.lines
            for line in lines:
                room = line.room
                if (helper and not actor.leads(room.building)) or (buy.building and room.building != buy.building):
                    not_allowed.append(str(room))
                    continue
                if buy.max_each and line.quantity > buy.max_each:
                    not_allowed.append(str(room))
                    continue
                home = roster.ensure_household(conn, room.building, room.unit, room.room, now)
                store.set_order(conn, buy.id, home.id, line.quantity, actor.user_id, now)
                if line.paid and line.quantity > 0 and self.manages(actor, buy):
                    store.mark_paid(conn, buy.id, home.id)
                imported.append((home.label, line.quantity))
            audit.add(
                conn,
                at=now,
                user_id=actor.user_id,
                chat_id=None,
                action="gb.relay",
                detail=f"#{buy.id} {len(imported)}",
            )
            return RelayOutcome(
                buy=buy, imported=imported, not_allowed=not_allowed, unreadable=command.unreadable if helper else []
            )

        return await self._db.write(body)

    @staticmethod
    def _found(buy: GroupBuy | None, buy_id: int) -> GroupBuy:
        if buy is None:
            raise UserError("gb.err.not_found", id=buy_id)
        return buy

    def _open(self, buy: GroupBuy | None, buy_id: int) -> GroupBuy:
        if self.is_closed(found := self._found(buy, buy_id)):
            raise UserError("gb.err.closed", id=buy_id)
        return found

    @staticmethod
    def _household(conn: Connection, actor: Actor, room: Room | None, now: datetime) -> Household:
        if room is None or (actor.household is not None and actor.household.is_at(room)):
            return require_household(actor, "gb.order")  # their own room, written out or not
        require_leader(actor, room.building, "gb.order.other")
        return roster.ensure_household(conn, room.building, room.unit, room.room, now)

    # ------------------------------------------------------------------ closing, paying, reporting
    @staticmethod
    def manages(actor: Actor, buy: GroupBuy) -> bool:
        """Who may close a buy and mark its payments: its opener, its building's leader, the committee."""
        return (
            actor.committee
            or actor.user_id == buy.opened_by
            or (buy.building is not None and actor.leads(buy.building))
        )

    def _require_manager(self, actor: Actor, buy: GroupBuy, action: str) -> None:
        require(self.manages(actor, buy), action, Who.LEADER)

    async def close(self, actor: Actor, buy_id: int) -> GroupBuy:
        """Close now (``#截单``, from any chat)."""
        buy = await self.get(buy_id)
        self._require_manager(actor, buy, "gb.close")
        return await self._move(actor, buy_id, BuyStatus.CLOSED, "gb.close")

    async def close_due(self, bot_id: int, buy_id: int) -> bool:
        """The deadline job: close the buy if it is still open, its deadline has come and the bot
        ``bot_id`` is in its chat (see ``storage.groupbuys.close_due``). True only for the one
        process that closed it, which announces it; every other (another worker, another bot, a
        job left from an earlier deadline) gets False."""
        now = self._clock.now()

        def body(conn: Connection) -> bool:
            closed = store.close_due(conn, buy_id, bot_id, now)
            if closed:
                audit.add(conn, at=now, user_id=None, chat_id=None, action="gb.close", detail=f"#{buy_id}")
            return closed

        return await self._db.write(body)

    async def shortfall(self, actor: Actor, buy_id: int) -> int:
        """Before ``#截单``: how far the buy is below its minimum (0 when reached or none), so the
        leader is asked before closing a buy that did not make it."""
        buy = await self.get(buy_id)
        self._require_manager(actor, buy, "gb.close")
        BUY.check(buy.status, BuyStatus.CLOSED, id=buy_id)
        return (await self.tally(buy_id)).short_of_minimum

    async def call_off(self, actor: Actor, buy_id: int) -> GroupBuy:
        """未成团: close the buy (if open) and owe nothing for it; payments are shown as refunds."""
        buy = await self.get(buy_id)
        self._require_manager(actor, buy, "gb.close")
        return await self._move(actor, buy_id, BuyStatus.CALLED_OFF, "gb.call_off")

    async def _move(self, actor: Actor, buy_id: int, new: BuyStatus, action: str) -> GroupBuy:
        """The buy's state changed to ``new`` (refused unless :data:`BUY` allows it), audited."""
        now = self._clock.now()

        def body(conn: Connection) -> GroupBuy:
            buy = self._found(store.get(conn, buy_id), buy_id)
            BUY.check(buy.status, new, id=buy_id)
            store.set_status(conn, buy_id, new, now)
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action=action, detail=f"#{buy_id}")
            return self._found(store.get(conn, buy_id), buy_id)

        return await self._db.write(body)

    async def unusual(self, buy_id: int, quantity: int) -> bool:
        """Is ``quantity`` far above what households order in this buy (a typo such as 100 for 1)?
        At least 10 and five times the usual order (1 while nobody has ordered)."""
        if quantity < UNUSUAL_AT_LEAST:
            return False
        orders = await self._db.read(lambda conn: [o.quantity for o in store.orders(conn, buy_id) if o.quantity])
        usual = sorted(orders)[len(orders) // 2] if orders else 1
        return quantity >= UNUSUAL_TIMES * usual

    async def mark_paid(self, actor: Actor, buy_id: int, room: Room) -> Household:
        """A household paid (its order's units as they stand); nobody pays into a called-off buy."""
        buy = await self.get(buy_id)
        self._require_manager(actor, buy, "gb.paid")
        if buy.called_off:
            raise UserError("gb.err.paid_called_off", id=buy_id)
        now = self._clock.now()

        def body(conn: Connection) -> Household:
            home = roster.household(conn, room.building, room.unit, room.room)
            if home is None or not store.mark_paid(conn, buy_id, home.id):
                raise UserError("gb.err.no_order", id=buy_id, room=str(room))
            audit.add(conn, at=now, user_id=actor.user_id, chat_id=None, action="gb.paid", detail=f"#{buy_id}")
            return home

        return await self._db.write(body)

    async def tally(self, buy_id: int, *, with_roster: bool = False) -> Tally:
        """The buy's orders; ``with_roster``: also the roster households that did not order
        (the summary's list; the board, refreshed every few seconds, does without)."""
        return await self._db.read(lambda conn: self._tally(conn, buy_id, with_roster=with_roster))

    @staticmethod
    def _tally(conn: Connection, buy_id: int, *, with_roster: bool) -> Tally:
        buy = store.get(conn, buy_id)
        if buy is None:
            raise UserError("gb.err.not_found", id=buy_id)
        orders = store.orders(conn, buy_id)
        everyone = roster.households(conn, buy.building) if with_roster else []
        ordered = {order.household_id for order in orders if order.quantity}
        return Tally(buy=buy, orders=orders, not_ordered=[h.label for h in everyone if h.id not in ordered])

    async def summary(self, actor: Actor, buy_id: int) -> Tally:
        def body(conn: Connection) -> Tally:
            tally = self._tally(conn, buy_id, with_roster=True)
            self._require_manager(actor, tally.buy, "gb.summary")
            return tally

        return await self._db.read(body)

    async def reminders_due(self, bot_id: int, *, quiet: bool) -> list[Reminder]:
        """Open buys closing within :data:`REMIND_BEFORE` that were not reminded yet (none in quiet
        hours: they wait for the end), of the buildings the bot ``bot_id`` serves (or no bot does),
        with the roster households that have not joined."""
        if quiet:
            return []
        now = self._clock.now()

        def body(conn: Connection) -> list[Reminder]:
            reminders = []
            for buy in store.to_remind(conn, bot_id, now, now + REMIND_BEFORE):
                joined = {order.household_id for order in store.orders(conn, buy.id) if order.quantity}
                missing: dict[int, list[str]] = {}
                for home in roster.households(conn, buy.building):
                    if home.id not in joined:
                        missing.setdefault(home.building, []).append(home.label)
                reminders.append(Reminder(buy=buy, not_joined=missing))
            return reminders

        return await self._db.read(body)

    async def reminded(self, buy_id: int) -> None:
        now = self._clock.now()
        await self._db.write(lambda conn: store.mark_reminded(conn, buy_id, now))

    async def open_buys(self) -> list[GroupBuy]:
        return await self._db.read(store.open_buys)

    async def add_board(self, buy_id: int, chat_id: int, message_id: int) -> None:
        now = self._clock.now()
        await self._db.write(lambda conn: store.add_board(conn, buy_id, chat_id, message_id, now))

    async def served(self, bot_id: int, buy_id: int) -> bool:
        """May the bot ``bot_id`` post and edit in the buy's chat (it is in it, or no bot is)?"""
        return await self._db.read(lambda conn: store.served(conn, buy_id, bot_id))

    async def latest_board(self, buy_id: int) -> Board | None:
        return await self._db.read(lambda conn: store.latest_board(conn, buy_id))


_SPEC = re.compile(r"\d+(?:\.\d+)?\s*[^\s/\d]{0,3}\s*/\s*\S{1,2}")
_NOT_TITLE = re.compile(r"[\s【】\[\]()（）:：#*·.,，。!！~～-]|接龙|团购|开团")


def title_key(title: str) -> str:
    """A title as compared: no spec (``30枚/盒``), spaces, brackets or 接龙/团购 words; lower case."""
    return _NOT_TITLE.sub("", _SPEC.sub("", title)).lower()
