"""Updates of different chats are handled side by side; updates of one chat strictly in order; a
backlog in one chat never delays another.

PTB handles one update at a time by default, so a send held back by the rate limiter for one busy
group (20 messages a minute) would hold up every other building too. This processor runs updates
concurrently up to a bound, but keeps each chat's updates in arrival order: an edit never
overtakes its message, a relay's corrections land after its orders, and a re-delivered update
always starts after the first delivery has finished.

Fairness comes from the order of the two waits: an update first waits for its chat's turn, and
only then for one of the ``max_concurrent_updates`` slots, so a chat with 200 queued updates holds
one slot, not all of them. A slot is also handed back while its update waits on Telegram (the rate
limiter, a 429's ``retry_after``, a slow network: ``waiting_on_telegram``), so even many busy chats
at once cannot keep a quiet one from being handled.

Several processes (webhook workers behind a load balancer, over one PostgreSQL database): a chat's
update also waits for the chat's turn across processes (``across``, ``InboxQueue.turn``), taken
after this process's own turn for the chat and before a slot, and given back once handled; an
earlier update of the chat held by another worker (the inbox knows each update's chat) goes first,
and one held by a worker that is gone is taken over and handled first.

At shutdown (``stop``) updates still waiting for their turn are dropped unhandled and those in
flight get a few seconds to finish before they are cancelled, so the bot stops promptly whatever
the backlog.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

# PTB's own semaphore is taken before ``do_process_update``, i.e. before the chat's turn; it is
# made wide enough never to bind (so PTB always hands updates over concurrently, even with a bound
# of 1), and the bound is this processor's ``_slots``.
_UNBOUNDED = 1 << 30


class _Slot:
    """One update's claim on a slot: given back and taken again around waits on Telegram, and only
    by the task handling the update (not by tasks it started, which inherit the context)."""

    def __init__(self, slots: asyncio.Semaphore, owner: asyncio.Task[Any]) -> None:
        self._slots = slots
        self.owner = owner
        self._held = False

    async def take(self) -> None:
        if not self._held:
            await self._slots.acquire()
            self._held = True

    def give_back(self) -> None:
        if self._held:
            self._held = False
            self._slots.release()


# The slot of the update the current task is handling, so a wait on Telegram can hand it back.
_holding: contextvars.ContextVar[_Slot | None] = contextvars.ContextVar("_holding", default=None)


def chat_key(update: object) -> tuple[str, int] | None:
    """What must stay in order: the chat; a user for updates without one; None (all) otherwise."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return None


@asynccontextmanager
async def waiting_on_telegram() -> AsyncIterator[None]:
    """Around a Bot API call: the update's slot is free for others until the call returns."""
    slot = _holding.get()
    if slot is None or slot.owner is not asyncio.current_task():  # a job, a start-up call, a side task
        yield
        return
    slot.give_back()
    try:
        yield
    finally:
        await slot.take()


class ChatOrderedProcessor(BaseUpdateProcessor):
    """At most ``max_concurrent_updates`` at work at once, one at a time per chat, in arrival order.

    PTB's fetcher starts one task per update in arrival order; a chat's lock is taken in that same
    order (asyncio locks are fair), which keeps a chat's updates in sequence.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        if max_concurrent_updates < 1:
            raise ValueError("at least one update must be handled at a time")
        super().__init__(_UNBOUNDED)
        self._slots = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[tuple[str, int] | None, asyncio.Lock] = {}
        self._waiting: Counter[tuple[str, int] | None] = Counter()
        self._running: set[asyncio.Task[Any]] = set()
        self._stopping = False
        # The chat's turn across processes sharing the database (None: this process is alone).
        self.across: Callable[[tuple[str, int], int | None], AbstractAsyncContextManager[None]] | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] += 1
        try:
            async with lock, self._across(key, getattr(update, "update_id", None)):
                await self._run(coroutine)
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else waiting: forget the chat
                del self._waiting[key], self._locks[key]

    def _across(self, key: tuple[str, int] | None, update_id: int | None) -> AbstractAsyncContextManager[None]:
        return nullcontext() if self.across is None or key is None else self.across(key, update_id)

    async def _run(self, coroutine: Awaitable[Any]) -> None:
        owner = asyncio.current_task()
        if owner is None:
            raise RuntimeError("an update is processed outside an asyncio task")
        slot = _Slot(self._slots, owner)
        token = _holding.set(slot)
        self._running.add(slot.owner)
        try:
            await slot.take()
            if self._stopping:
                _discard(coroutine)
                return
            await coroutine
        finally:
            slot.give_back()
            self._running.discard(slot.owner)
            _holding.reset(token)

    async def stop(self, grace: float) -> None:
        """Drop the updates still waiting for their turn; give those at work ``grace`` seconds,
        then cancel them."""
        self._stopping = True
        running = set(self._running)
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=grace)
        if late:
            log.warning("stopping: %d updates cut short", len(late))
        for task in late:
            task.cancel()

    async def initialize(self) -> None:
        self._stopping = False

    async def shutdown(self) -> None:
        """Nothing to release."""

    @property
    def chats_in_flight(self) -> int:
        return len(self._locks)


def _discard(coroutine: Awaitable[Any]) -> None:
    if isinstance(coroutine, Coroutine):
        coroutine.close()  # never started: no "was never awaited" warning
