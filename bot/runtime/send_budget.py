"""A send budget as Telegram counts it: at most ``limit`` sends in any ``period`` seconds.

Telegram refuses (429) a send when ``limit`` sends already started within the last ``period``
(30 a second in all, 20 a minute into one group). A leaky bucket, as PTB's AIORateLimiter uses,
lets a full bucket go at once and then keeps leaking, so it allows up to twice its rate in some
windows: Telegram refuses those sends and each one is retried a second or more later. This window
remembers when each of its last ``limit`` sends started and lets the next one go only once the
oldest is more than ``period`` old; waiters are served in the order they came.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

# A send is let go this long after the oldest one leaves the window, so both ends agree it has.
MARGIN_SECONDS = 0.001


class SlidingWindow:
    def __init__(
        self,
        limit: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("a send budget needs a limit of at least one send and a period")
        self.limit, self.period = int(limit), period
        self._clock, self._sleep = clock, sleep
        self._starts: deque[float] = deque()  # the sends that started within the last period
        self._turn = asyncio.Lock()  # fair: waiters are served in the order they came

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait, after those who came first, until one more send fits; the send counts from the end
        of the block (which may wait for another budget first: it is counted when it really goes)."""
        async with self._turn:
            while len(self._forget_old()) >= self.limit:
                await self._sleep(self._starts[0] + self.period - self._clock() + MARGIN_SECONDS)
            yield
            self._starts.append(self._clock())

    async def acquire(self) -> None:
        """Wait for a turn and count the send now."""
        async with self.turn():
            pass

    def has_capacity(self) -> bool:
        """Whether a send would go now, nobody waiting before it."""
        return not self._turn.locked() and len(self._forget_old()) < self.limit

    def idle(self) -> bool:
        """Nothing in the window and nobody waiting: the window can be forgotten."""
        return not self._turn.locked() and not self._forget_old()

    def _forget_old(self) -> deque[float]:
        now = self._clock()
        while self._starts and now - self._starts[0] > self.period:
            self._starts.popleft()
        return self._starts
