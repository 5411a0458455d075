"""The outbox: what the bot owes a chat, on any channel, stored before it is sent.

Everything the bot owes (replies, reports, rebuttals, reminders, merged answers, WeCom pushes) is
written to SQLite first and marked sent after, so a crash, a 429 or a network outage loses nothing:
on start, and whenever a channel's drainer wakes, what is still owed goes out, once.

API (one instance, ``services.outbox``)::

    outbox.register("telegram", sender, owner=bot_id)   # a channel's sender, once at start-up
    item = await outbox.owe("telegram", target, payload, key)   # stored; the drainer sends it
    item = await outbox.send("telegram", target, payload, key)  # stored, then tried at once
    await outbox.owe_all("telegram", target, payloads, key)    # several in order, all or none
    await outbox.owe_for("telegram", [Owing(bot, target, payloads, key), ...])  # to other bots' targets too
    await outbox.gather("telegram", target, key, entry, value, payload_of, after)  # one owed item, gathering
    await outbox.drain("telegram")         # send what is due now (tests; the drainer does it)
    outbox.start() / await outbox.stop()   # the background drainers of the registered channels

- ``channel``: a name (``"telegram"``; ``"wecom"``). ``target``: where, as the channel names it (a
  Telegram chat id as text, a WeCom group). ``payload``: a JSON-able dict that only the channel's
  sender reads. ``key``: idempotency — owing a key again owes nothing more and returns the first
  item (with its state and, once sent, the sender's result), so a job or an update that runs again
  after a restart may owe the same things again safely. Make keys say what and for whom:
  ``report:2022-04-12:-100123``, ``update:812:0``.
- A sender is ``async (target, payload) -> result``: the result (JSON-able; Telegram: the message)
  is stored with the item. It raises :class:`TryLater` for what may pass (a timeout, a 502, a 429,
  with ``after`` seconds when the channel says), and :class:`Undeliverable` for what will not (the
  bot was removed, a bad request): the item is then ``failed`` and never tried again.
- Order: the items of one (channel, target) go out in the order they were owed; an item waiting
  for its retry holds back its target's later items, never another target's. A drain sends to the
  targets side by side: a chat waiting on its rate limit, or a paced WeCom robot, holds back no other.
- Gathering: entries (a busy group's folded answers) join one owed item, due a while after the
  first, its payload rewritten from all of them at each, until its first attempt closes it;
  closing is a write, ordered with the entries' writes, so every entry is in the item sent or in
  the next gathering, never lost between them. Until it is due it holds back nothing of its target.
- Retries back off (2 s, 4 s, 8 s … at most 5 minutes, or the channel's ``after``); after
  ``MAX_ATTEMPTS`` attempts the item is ``failed``.
- Exactly once, as far as a channel allows: an item is sent only while owed and marked sent right
  after; only a crash between the channel's answer and that mark sends it again on restart.
- Several bots over one database (PostgreSQL): a channel registered with an ``owner`` (Telegram:
  the bot's id) keeps its items apart: this bot owes, lists and sends only its own, and its keys
  are its own (two bots may each owe ``report:<day>:<chat>`` to one chat; each goes out once). A
  channel without one (WeCom: the district's robots) is shared, its keys once for the district.
  ``owe_for`` owes items as another bot's (a notice to the groups only that bot is in): that bot's
  drainer, which looks every ``OTHERS_CHECK_SECONDS`` while idle on PostgreSQL, sends them.
- Several processes over one database (PostgreSQL): each attempt first takes the item's lease
  (a write: this process, until ``LEASE_SECONDS`` from now); an item leased by another process is
  skipped, so each target has one sender at a time. A process that dies holding a lease delays
  that target until the lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.domain.statuses import OUTBOX, OutboxState
from storage import outbox as table
from storage.db import Database
from storage.outbox import OutboxItem
from storage.sql import Connection

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 40  # about three hours of retries at the longest back-off
MAX_BACKOFF_SECONDS = 300
IDLE_CHECK_SECONDS = 1.0  # how often a drainer looks again while items wait for their retry
OTHERS_CHECK_SECONDS = 2.0  # how often an idle drainer of a bot's items looks for what other bots owed it
KEPT_DAYS = 7  # sent and failed items are forgotten after this
DRAIN_WIDTH = 50  # targets drained side by side
LEASE_SECONDS = 300  # an attempt's hold on its item (a send may wait out its group's minute budget)

Sender = Callable[[str, dict[str, Any]], Awaitable[Any]]

__all__ = ["Outbox", "OutboxItem", "Owing", "Sender", "TryLater", "Undeliverable"]


@dataclass(frozen=True)
class Owing:
    """Payloads owed to a target as ``bot``'s items (its drainer sends them), keyed ``key:0``, ``key:1`` …"""

    bot: int
    target: str | int
    payloads: list[dict[str, Any]]
    key: str


class TryLater(Exception):
    """The channel could not take the item now; try again (after ``after`` seconds if known)."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.after = reason, after


class Undeliverable(Exception):
    """The channel will never take this item (the bot was removed, the request is malformed)."""


class Outbox:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._senders: dict[str, Sender] = {}
        self._owners: dict[str, int] = {}  # channel → the bot whose items this process owes and sends
        self._wake: dict[str, asyncio.Event] = {}
        self._drainers: dict[str, asyncio.Task[None]] = {}
        self._in_flight: dict[int, asyncio.Future[OutboxItem]] = {}  # attempts under way
        self._holder = uuid.uuid4().hex  # this process, as the leases name it

    def register(self, channel: str, sender: Sender, *, owner: int = 0) -> None:
        """``sender`` sends the ``channel``'s items (replacing any sender registered before); with
        ``owner`` (a bot's id), only that bot's items, owed from here on as that bot's."""
        self._senders[channel] = sender
        self._owners[channel] = owner
        self._wake.setdefault(channel, asyncio.Event())

    async def owe(self, channel: str, target: str | int, payload: dict[str, Any], key: str) -> OutboxItem:
        """Store what is owed (once per ``key``) and wake the channel's drainer."""
        now = self._clock.now()
        owner = self._owner(channel)
        item = await self._db.write(lambda conn: table.owe(conn, owner, channel, str(target), payload, key, now))
        if item.state is OutboxState.OWED and channel in self._wake:
            self._wake[channel].set()
        return item

    async def owe_all(
        self,
        channel: str,
        target: str | int,
        payloads: list[dict[str, Any]],
        key: str,
        *,
        provided: Callable[[Connection], bool] | None = None,
    ) -> bool:
        """Owe ``payloads`` in order (keyed ``key:0``, ``key:1`` …) in one write, all or none: False
        when they were owed before (a report owed again after a restart is not doubled). With
        ``provided``, only when it says so, run first in the same write (a claim that other
        bots, whose keys are their own, see: one bot's owing makes the others' say no)."""
        now, keys = self._clock.now(), [f"{key}:{i}" for i in range(len(payloads))]
        owner = self._owner(channel)

        def body(conn: Connection) -> bool:
            if provided is not None and not provided(conn):
                return False
            return table.owe_all(conn, owner, channel, str(target), payloads, keys, now)

        owed = await self._db.write(body)
        if owed and channel in self._wake:
            self._wake[channel].set()
        return owed

    async def owe_for(self, channel: str, owings: list[Owing]) -> None:
        """Owe each of ``owings`` as its bot's, all in one write (each all or none, as ``owe_all``:
        one owed before is not doubled). Each bot sends only its own: this process's drain sends
        this bot's, another bot's drainer the rest."""
        now = self._clock.now()

        def body(conn: Connection) -> None:
            for owing in owings:
                keys = [f"{owing.key}:{i}" for i in range(len(owing.payloads))]
                table.owe_all(conn, owing.bot, channel, str(owing.target), owing.payloads, keys, now)

        await self._db.write(body)
        if channel in self._wake:
            self._wake[channel].set()

    async def gather(
        self,
        channel: str,
        target: str | int,
        key: str,
        entry: str,
        value: str,
        payload_of: Callable[[dict[str, str]], dict[str, Any]],
        after: float,
    ) -> OutboxItem:
        """Add ``entry`` (its ``value``) to the target's gathering under ``key``, started with the
        first entry and due ``after`` seconds later: one owed item whose payload is
        ``payload_of(entries)``, every entry so far (an entry already in counts once). Stored at
        once, so it is sent after a restart too."""
        now = self._clock.now()
        due, owner = now + timedelta(seconds=after), self._owner(channel)
        item = await self._db.write(
            lambda conn: table.gather(conn, owner, channel, str(target), key, entry, value, payload_of, now, due)
        )
        if channel in self._wake:
            self._wake[channel].set()
        return item

    async def send(self, channel: str, target: str | int, payload: dict[str, Any], key: str) -> OutboxItem:
        """Owe, then try at once (unless the target has older items still owed, which go first):
        the item as it stands after this one attempt (``sent`` with its result, or still owed)."""
        item = await self.owe(channel, target, payload, key)
        if item.state is not OutboxState.OWED:
            return item
        first = await self._first_due(channel, item.target)
        if first is not None and first.id == item.id:
            return await self._attempt(item)
        return item

    async def drain(self, channel: str) -> int:
        """Send what is due now on ``channel``: the targets side by side, up to ``DRAIN_WIDTH`` at
        once (one item in flight per target), each target's items in order; as soon as a target
        is done the next one due takes its place, so a slow target holds back no other, however
        many are owed something. The number sent."""
        sent = 0
        draining: dict[str, asyncio.Task[int]] = {}
        stalled: set[str] = set()  # sent nothing in this drain (its item waits for a retry)
        try:
            while True:
                if room := DRAIN_WIDTH - len(draining):
                    skip = draining.keys() | stalled
                    firsts = await self._due(channel, len(skip) + room)
                    for item in [item for item in firsts if item.target not in skip][:room]:
                        draining[item.target] = asyncio.create_task(self._drain_target(item))
                if not draining:
                    return sent
                done, _ = await asyncio.wait(draining.values(), return_when=asyncio.FIRST_COMPLETED)
                for target, task in list(draining.items()):
                    if task in done:
                        del draining[target]
                        count = task.result()
                        sent += count
                        if not count:
                            stalled.add(target)
        finally:
            for task in draining.values():  # the drain was stopped or failed: so are its targets'
                task.cancel()

    async def _drain_target(self, item: OutboxItem | None) -> int:
        """Send one target's due items in order, from ``item`` until one is not sent; how many were."""
        sent = 0
        while item is not None:
            done = await self._attempt(item)
            if done.state is not OutboxState.SENT:
                return sent
            sent += 1
            item = await self._first_due(done.channel, done.target)
        return sent

    async def _due(self, channel: str, limit: int) -> list[OutboxItem]:
        """The first owed item of each target, when it is due now (at most ``limit`` targets)."""
        now = self._clock.now()
        owner = self._owner(channel)
        return await self._db.read(lambda conn: table.due(conn, owner, channel, now, limit))

    async def _first_due(self, channel: str, target: str) -> OutboxItem | None:
        """The target's first owed item, when it is due now."""
        now = self._clock.now()
        owner = self._owner(channel)
        return await self._db.read(lambda conn: table.first_due(conn, owner, channel, target, now))

    def _owner(self, channel: str) -> int:
        """The bot whose items of ``channel`` these are (0: no bot's, shared)."""
        return self._owners.get(channel, 0)

    async def counts(self, channel: str) -> dict[str, int]:
        """How many items are owed, sent and failed."""
        owner = self._owner(channel)
        return await self._db.read(lambda conn: table.counts(conn, owner, channel))

    async def forget_old(self) -> None:
        before = self._clock.now() - timedelta(days=KEPT_DAYS)
        await self._db.write(lambda conn: table.forget_sent_before(conn, before))

    async def _attempt(self, item: OutboxItem) -> OutboxItem:
        """One attempt (or the outcome of the one under way: an item is never sent twice at once)."""
        if item.id in self._in_flight:
            return await asyncio.shield(self._in_flight[item.id])
        if item.channel not in self._senders:
            return item
        now = self._clock.now()
        until = now + timedelta(seconds=LEASE_SECONDS)
        if not await self._db.write(lambda conn: table.lease(conn, item.id, self._holder, now, until)):
            # sent since it was listed, or another process is sending it: as it stands
            owner = self._owner(item.channel)
            return await self._db.read(lambda conn: table.by_key(conn, item.key, owner)) or item
        if item.id in self._in_flight:
            return await asyncio.shield(self._in_flight[item.id])
        attempt = self._in_flight[item.id] = asyncio.get_running_loop().create_future()
        try:
            outcome = await self._try(item)
        except BaseException as exc:
            attempt.set_exception(exc)
            attempt.exception()  # retrieved: nobody else need be waiting
            raise
        else:
            attempt.set_result(outcome)
            return outcome
        finally:
            del self._in_flight[item.id]

    async def _try(self, item: OutboxItem) -> OutboxItem:
        sender = self._senders[item.channel]
        if table.is_open(item):  # closed by a write, so no entry joins it while it is sent
            item = await self._db.write(lambda conn: table.close_gathering(conn, item.id))
        try:
            result = await sender(item.target, item.payload)
        except TryLater as later:
            return await self._retry(item, later)
        except Undeliverable as never:
            reason = str(never)
            log.warning("outbox %s item %s undeliverable: %s", item.channel, item.id, reason)
            return await self._failed(item, reason, item.attempts)
        OUTBOX.check(item.state, OutboxState.SENT)
        now = self._clock.now()
        await self._db.write(lambda conn: table.mark_sent(conn, item.id, result, now))
        return _with(item, state=OutboxState.SENT, result=result)

    async def _failed(self, item: OutboxItem, reason: str, attempts: int) -> OutboxItem:
        OUTBOX.check(item.state, OutboxState.FAILED)
        await self._db.write(lambda conn: table.mark_failed(conn, item.id, reason))
        return _with(item, state=OutboxState.FAILED, attempts=attempts)

    async def _retry(self, item: OutboxItem, later: TryLater) -> OutboxItem:
        attempts = item.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            log.warning("outbox %s item %s given up after %s attempts: %s", item.channel, item.id, attempts, later)
            return await self._failed(item, later.reason, attempts)
        delay = later.after if later.after is not None else min(2.0**attempts, MAX_BACKOFF_SECONDS)
        next_at = self._clock.now() + timedelta(seconds=delay)
        log.info("outbox %s item %s: %s; retry in %.0f s", item.channel, item.id, later.reason, delay)
        await self._db.write(lambda conn: table.mark_retry(conn, item.id, later.reason, next_at))
        return _with(item, attempts=attempts)

    # ------------------------------------------------------------------ the drainers
    def start(self) -> None:
        """One background drainer per registered channel: it sends what is owed now (what a
        restart found included), then whatever is owed or falls due later."""
        for channel in self._senders:
            if channel not in self._drainers:
                self._drainers[channel] = asyncio.create_task(self._drainer(channel), name=f"outbox-{channel}")

    async def stop(self) -> None:
        drainers = list(self._drainers.values())
        self._drainers.clear()
        for task in drainers:
            task.cancel()
        await asyncio.gather(*drainers, return_exceptions=True)

    async def _drainer(self, channel: str) -> None:
        wake, owner = self._wake[channel], self._owner(channel)
        if owner:
            await self._db.write(lambda conn: table.adopt(conn, owner, channel))
        while True:
            wake.clear()
            try:
                await self.drain(channel)
                waiting = await self._db.read(lambda conn: table.next_due(conn, owner, channel) is not None)
            except Exception:  # the database is down for a moment: look again soon
                log.exception("outbox %s drainer", channel)
                waiting = True
            try:
                # another bot's process may owe this one (``owe_for``): only on PostgreSQL (SQLite is one process)
                idle = OTHERS_CHECK_SECONDS if owner and self._db.postgres else None
                await asyncio.wait_for(wake.wait(), IDLE_CHECK_SECONDS if waiting else idle)
            except TimeoutError:
                pass


def _with(item: OutboxItem, **changes: Any) -> OutboxItem:
    return replace(item, **changes)
