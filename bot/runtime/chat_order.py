"""Updates of different chats are handled side by side; updates of one chat strictly in order.

PTB handles one update at a time by default, so a send held back by the rate limiter for one busy
group (20 messages a minute) would hold up every other building too. This processor runs updates
concurrently up to a bound, but keeps each chat's updates in arrival order: an edit never
overtakes its message, a relay's corrections land after its orders, and a re-delivered update
always starts after the first delivery has finished.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def chat_key(update: object) -> tuple[str, int] | None:
    """What must stay in order: the chat; a user for updates without one; None (all) otherwise."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """At most ``max_concurrent_updates`` at once, one at a time per chat, in arrival order.

    PTB's fetcher starts one task per update in arrival order and they take the concurrency slots
    first come, first served; a chat's lock is then taken in that same order (asyncio locks are
    fair), which is what keeps a chat's updates in sequence.
    """

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[tuple[str, int] | None, asyncio.Lock] = {}
        self._waiting: Counter[tuple[str, int] | None] = Counter()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] += 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else waiting: forget the chat
                del self._waiting[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    @property
    def chats_in_flight(self) -> int:
        return len(self._locks)
