"""The send budget as Telegram counts it (``bot.runtime.send_budget``), on a clock the test moves:
never more than the limit in any window, spread evenly when asked, waiters served in the order they
came; an answer to a waiting person before queued background sends, and in a rush of answers a
quiet group's first (``bot.runtime.app.RepliesFirst``)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

from bot.runtime.app import RepliesFirst
from bot.runtime.send_budget import SlidingWindow
from storage.db import recording_update


class FakeTime:
    """A monotonic clock that moves only when the test says; ``sleep`` waits for it."""

    def __init__(self) -> None:
        self.now = 0.0
        self._moved = asyncio.Condition()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        until = self.now + seconds
        async with self._moved:
            await self._moved.wait_for(lambda: self.now >= until)

    async def advance(self, seconds: float) -> None:
        self.now += seconds
        async with self._moved:
            self._moved.notify_all()
        await settle()


async def settle() -> None:
    """Let every task that can go on run until it waits again."""
    for _ in range(50):
        await asyncio.sleep(0)


def window(time: FakeTime, limit: int, period: float = 1.0) -> SlidingWindow:
    return SlidingWindow(limit, period, clock=time, sleep=time.sleep)


def most_in_any_window(times: list[float], period: float) -> int:
    """The most sends in any ``period``, both ends counted (as Telegram and bench/lockdown.py do)."""
    return max(sum(1 for t in times if start <= t <= start + period) for start in times)


async def test_never_more_than_the_limit_in_any_second():
    time = FakeTime()
    budget = window(time, 30)
    sent: list[float] = []

    async def send() -> None:
        await budget.acquire()
        sent.append(time.now)

    sends = [asyncio.create_task(send()) for _ in range(100)]
    await settle()
    assert len(sent) == 30  # the first 30 go at once
    await time.advance(0.5)
    assert len(sent) == 30  # a leaky bucket would have let 15 more go by now
    await time.advance(0.5)
    assert len(sent) == 30  # the first are exactly a second old: still counted
    await time.advance(0.03)
    assert len(sent) == 60  # then the next 30, as soon as the window allows
    for _ in range(4):
        await time.advance(1.03)
    await asyncio.gather(*sends)
    assert most_in_any_window(sent, 1.0) == 30


async def test_a_spread_budget_lets_a_send_go_every_period_over_limit_not_all_at_once():
    time = FakeTime()
    budget = SlidingWindow(4, 1.0, spread=True, clock=time, sleep=time.sleep)
    sent: list[float] = []

    async def send() -> None:
        await budget.acquire()
        sent.append(time.now)

    sends = [asyncio.create_task(send()) for _ in range(12)]
    await settle()
    while len(sent) < 12:
        await time.advance(0.01)
    await asyncio.gather(*sends)
    assert most_in_any_window(sent, 1.0) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent)]
    assert max(gaps) < 0.3  # one every quarter second (a little more past a full window), never a second's wait


async def test_waiters_are_served_in_the_order_they_came():
    time = FakeTime()
    budget = window(time, 2)
    served: list[int] = []

    async def send(n: int) -> None:
        await budget.acquire()
        served.append(n)

    tasks = [asyncio.create_task(send(n)) for n in range(4)]
    await settle()
    await time.advance(0.5)
    tasks += [asyncio.create_task(send(n)) for n in range(4, 6)]  # came later: after those waiting
    for _ in range(3):
        await time.advance(0.61)
    await asyncio.gather(*tasks)
    assert served == [0, 1, 2, 3, 4, 5]


async def test_an_answer_goes_before_queued_background_sends():
    time = FakeTime()
    budget = RepliesFirst(window(time, 1))
    served: list[str] = []

    async def background(n: int) -> None:  # a job or the outbox: no update is being handled
        await budget.acquire()
        served.append(f"notice {n}")

    async def answer() -> None:  # sent while handling a person's message
        with recording_update(1, 1, datetime.now(UTC)):
            await budget.acquire()
        served.append("answer")

    notices = [asyncio.create_task(background(n)) for n in range(6)]
    await settle()
    answered = asyncio.create_task(answer())
    for _ in range(7):
        await time.advance(1.03)
    await asyncio.gather(answered, *notices)
    # The first notice went at once and the second was already waiting for the budget; then the answer.
    assert served[:3] == ["notice 0", "notice 1", "answer"]
    assert served[3:] == [f"notice {n}" for n in range(2, 6)]


async def test_in_a_rush_of_answers_a_quiet_group_goes_before_the_busy_ones():
    time = FakeTime()
    budget = RepliesFirst(window(time, 1))
    served: list[str] = []

    async def answer(chat: str, recent_sends: int) -> None:
        with recording_update(1, 1, datetime.now(UTC)):
            await budget.acquire(recent_sends)
        served.append(chat)

    rush = [asyncio.create_task(answer(f"busy {n}", recent_sends=5)) for n in range(4)]
    await settle()
    quiet = asyncio.create_task(answer("quiet", recent_sends=0))  # came last, sent nothing this minute
    for _ in range(5):
        await time.advance(1.03)
    await asyncio.gather(quiet, *rush)
    # "busy 0" went at once and "busy 1" was already waiting for the budget; then the quiet group.
    assert served == ["busy 0", "busy 1", "quiet", "busy 2", "busy 3"]
