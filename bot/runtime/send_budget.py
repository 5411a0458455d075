"""A send budget as Telegram counts it: at most ``limit`` sends in any ``period`` seconds.

Telegram refuses (429) a send when ``limit`` sends already started within the last ``period``
(30 a second in all, 20 a minute into one group). A leaky bucket, as PTB's AIORateLimiter uses,
lets a full bucket go at once and then keeps leaking, so it allows up to twice its rate in some
windows: Telegram refuses those sends and each one is retried a second or more later. This window
remembers when each of its last ``limit`` sends started and lets the next one go only once the
oldest is more than ``period`` old; waiters are served in the order they came. With ``spread``,
sends are also at least ``period / limit`` apart: a saturated budget then frees a send every
1/30 s instead of 30 at once each second, so a send that has to wait (an answer) waits 1/30 s,
not up to a second.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

# A send is let go this long after the oldest one has left the window, so that Telegram, which counts
# a send when it arrives (a few milliseconds later, give or take), agrees it has.
MARGIN_SECONDS = 0.02


class SlidingWindow:
    def __init__(
        self,
        limit: int,
        period: float,
        *,
        spread: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("a send budget needs a limit of at least one send and a period")
        self.limit, self.period = limit, period
        self._gap = period / limit if spread else 0.0
        self._clock, self._sleep = clock, sleep
        self._starts: deque[float] = deque()  # the sends that started within the last period
        self._turn = asyncio.Lock()  # fair: waiters are served in the order they came

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait, after those who came first, until one more send fits; the send counts from the end
        of the block (which may wait for another budget first: it is counted when it really goes)."""
        async with self._turn:
            while (wait := self._wait()) > 0:
                await self._sleep(wait)
            yield
            self._starts.append(self._clock())

    async def acquire(self) -> None:
        """Wait for a turn and count the send now."""
        async with self.turn():
            pass

    def used(self) -> int:
        """How many sends started within the last period."""
        return len(self._forget_old())

    def has_capacity(self) -> bool:
        """Whether a send would go now, nobody waiting before it."""
        return not self._turn.locked() and self._wait() <= 0

    def idle(self) -> bool:
        """Nothing in the window and nobody waiting: the window can be forgotten."""
        return not self._turn.locked() and not self.used()

    def _wait(self) -> float:
        """Seconds until one more send fits (0 or less: now)."""
        starts, now = self._forget_old(), self._clock()
        full = starts[0] + self.period + MARGIN_SECONDS - now if len(starts) >= self.limit else 0.0
        return max(full, starts[-1] + self._gap - now) if starts else 0.0

    def _forget_old(self) -> deque[float]:
        now = self._clock()
        while self._starts and now - self._starts[0] > self.period:
            self._starts.popleft()
        return self._starts
