"""A lockdown morning: 200 building groups each get a burst of 30 orders within a minute, while
the residents of 5 quiet groups ask `/me` now and then, well within their group's own budget: one
ask at a random moment of every 6 s in each (10 a minute of the 20 a group may get; 50 asks a
minute in all). Everything goes through the real Application (the update queue as polling fills
it, the inbox, fair per-chat ordering, the real rate limiter at Telegram's budgets: 20 messages a
minute per group, 30 a second in all) over the in-process local Bot API, which here answers 429
as Telegram would past either budget (counting sends by when they reach it, in a sliding window).

Prints: the quiet groups' first-answer latency p50/p99 during the burst (from an ask to its
answer in the group), the highest send rates seen (per group in any 60 s, in all in any 1 s),
messages and edits sent per order, orders lost (sent but not stored: must be 0), 429 answers,
and the process's peak RSS (the bot and the local Bot API share it).

Run: .venv/bin/python bench/lockdown.py [SECONDS]   (default 60: each group's 30 orders are
spread at random over that long, in real time; the budgets are not scaled, so a shorter spread
only makes the burst denser)
"""

from __future__ import annotations

import asyncio
import logging
import random
import resource
import statistics
import sys
import time
from collections import defaultdict, deque
from datetime import UTC, datetime

from common import BUILDING_CHAT_BASE, COMMITTEE_ID, bench_config, bench_storage, database, household_user, seed_street
from telegram import Update

from bot.runtime.app import build_application, running
from bot.runtime.localapi import ApiError, LocalBotApi, LocalRequest, LocalUser

GROUPS = 200
ORDERS = 30  # per group, one per household
QUIET = range(GROUPS + 1, GROUPS + 6)  # the quiet buildings
ASK_EVERY = 6.0  # each quiet group is asked once at a random moment of every 6 s: 10 a minute
GROUP_PER_MINUTE = 20
ALL_PER_SECOND = 30
SENDS = {"sendMessage", "editMessageText", "sendPhoto", "sendDocument", "editMessageReplyMarkup"}


def chat_of(building: int) -> int:
    return BUILDING_CHAT_BASE - building


class TelegramBudgets(LocalBotApi):
    """Records every send's time and chat, answers 429 past Telegram's budgets, and times each
    ask of a quiet group to its answer (a group's answers come in the order of its asks)."""

    def __init__(self) -> None:
        super().__init__()
        self.sends: list[tuple[float, int]] = []
        self.recent_all: deque[float] = deque()
        self.recent: dict[int, deque[float]] = defaultdict(deque)
        self.retry_afters = 0
        self.asked: dict[int, deque[float]] = defaultdict(deque)  # per quiet group, when each ask came
        self.waits: list[float] = []  # from each ask to its answer in the group

    def handle(self, method, params, files=None):
        if method in SENDS:
            now = time.monotonic()
            chat = int(params.get("chat_id", 0))
            group = self.recent[chat]
            while group and now - group[0] > 60:
                group.popleft()
            while self.recent_all and now - self.recent_all[0] > 1:
                self.recent_all.popleft()
            if (chat < 0 and len(group) >= GROUP_PER_MINUTE) or len(self.recent_all) >= ALL_PER_SECOND:
                self.retry_afters += 1
                raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
            group.append(now)
            self.recent_all.append(now)
            self.sends.append((now, chat))
            if self.asked[chat]:
                self.waits.append(now - self.asked[chat].popleft())
        return super().handle(method, params, files)


class SkippedRuns(logging.Filter):
    """Counts APScheduler's "skipped: maximum number of running instances reached" (a board refresh
    due while the previous one still waits on Telegram), instead of printing each."""

    count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if "maximum number of running instances" in record.getMessage():
            SkippedRuns.count += 1
            return False
        return True


async def settled(api: TelegramBudgets, quiet: float = 3.0) -> None:
    """Until nothing has been sent for ``quiet`` seconds."""
    for _ in range(600):
        if not api.sends or time.monotonic() - api.sends[-1][0] >= quiet:
            return
        await asyncio.sleep(0.5)


def highest_rate(times: list[float], window: float) -> int:
    """The most events in any ``window`` seconds."""
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def feed(app, api: TelegramBudgets, chat: int, user: int, text: str) -> None:
    await app.update_queue.put(Update.de_json(api.message_update(chat, LocalUser(user, f"居民{user}"), text), app.bot))


async def burst(app, api: TelegramBudgets, buys: dict[int, int], spread: float, rng: random.Random) -> None:
    """Each household of each busy group orders once from its group's buy (``buys``: chat -> buy)."""
    plan = sorted(
        (rng.uniform(0, spread), b, i) for b in range(1, GROUPS + 1) for i in range(ORDERS)
    )  # each household of each group orders once, at a random moment of the minute
    start = time.monotonic()
    for at, building, index in plan:
        if (pause := start + at - time.monotonic()) > 0:
            await asyncio.sleep(pause)
        chat = chat_of(building)
        await feed(app, api, chat, household_user(building, index), f"#接龙 {buys[chat]} {1 + index % 3}")


async def ask_quietly(app, api: TelegramBudgets, spread: float, rng: random.Random) -> int:
    """In each quiet group a resident asks /me at a random moment of every ``ASK_EVERY`` seconds
    (never more than 11 in any minute, within the group's 20); how many asked."""
    plan = sorted(
        (ASK_EVERY * n + rng.uniform(0, ASK_EVERY), b, n) for b in QUIET for n in range(int(spread / ASK_EVERY))
    )
    start = time.monotonic()
    for at, building, n in plan:
        if (pause := start + at - time.monotonic()) > 0:
            await asyncio.sleep(pause)
        api.asked[chat_of(building)].append(time.monotonic())
        await feed(app, api, chat_of(building), household_user(building, n % ORDERS), "/me")
    return len(plan)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


async def main(spread: float) -> None:
    with bench_storage("lockdown") as where:
        await run(where, spread)


async def run(where: str, spread: float) -> None:
    db = database(where)
    await db.open()
    await seed_street(db, QUIET[-1], ORDERS, datetime.now(UTC))
    await db.close()
    config = bench_config(
        where, telegram={"group_messages_per_minute": GROUP_PER_MINUTE, "messages_per_second": ALL_PER_SECOND}
    )
    api = TelegramBudgets()
    app = build_application(config, LocalRequest(api))
    rng = random.Random(20220401)
    logging.getLogger("apscheduler.scheduler").addFilter(SkippedRuns())
    async with running(app):
        for building in range(1, GROUPS + 1):  # a buy in each busy group, opened before the morning
            await feed(app, api, chat_of(building), COMMITTEE_ID, "#开团 蔬菜包 68元/份")
        await app.update_queue.join()
        buys = {buy.chat_id: buy.id for buy in await app.bot_data.services.groupbuys.open_buys()}
        await settled(api)  # the boards are out
        opened = len(api.sends)
        began = time.monotonic()
        _, asks = await asyncio.gather(burst(app, api, buys, spread, rng), ask_quietly(app, api, spread, rng))
        await app.update_queue.join()
        handled = time.monotonic() - began
        await asyncio.sleep(config.groupbuy.board_interval_seconds)
        await settled(api)  # the last board edits are out
        stored = 0
        for buy in buys.values():
            stored += len((await app.bot_data.services.groupbuys.tally(buy)).orders)
    complete = sum(  # the group's board, as its members see it at the end, lists every order
        any(m.get("text", "").startswith("🛒") and f"已接龙 {ORDERS} 户" in m["text"] for m in api.sent(chat_of(b)))
        for b in range(1, GROUPS + 1)
    )
    waits = api.waits
    busy = {chat_of(b) for b in range(1, GROUPS + 1)}
    sends = api.sends[opened:]
    per_group: dict[int, list[float]] = defaultdict(list)
    for at, chat in sends:
        per_group[chat].append(at)
    busy_sends = sum(len(per_group[chat]) for chat in busy)
    orders = GROUPS * ORDERS
    print(
        f"lockdown: {GROUPS} groups x {ORDERS} orders over {spread:.0f} s; {len(QUIET)} quiet groups, each asked "
        f"/me once in every {ASK_EVERY:.0f} s"
    )
    print(
        f"lockdown: every order handled {handled:.1f} s after the burst began; orders lost: {orders - stored} of {orders}"
    )
    print(
        f"lockdown: quiet groups' first answer p50 {percentile(waits, 50) * 1000:.0f} ms, "
        f"p99 {percentile(waits, 99) * 1000:.0f} ms, max {max(waits) * 1000:.0f} ms "
        f"({len(waits)} of {asks} asks answered)"
    )
    print(
        f"lockdown: highest send rates: {max(highest_rate(times, 60) for times in per_group.values())} "
        f"in a group in 60 s (limit {GROUP_PER_MINUTE}), {highest_rate([at for at, _ in sends], 1)} in all in 1 s "
        f"(limit {ALL_PER_SECOND}); 429 answers: {api.retry_afters}"
    )
    print(f"lockdown: messages + edits into the busy groups per order: {busy_sends / orders:.2f} ({busy_sends} in all)")
    print(f"lockdown: boards listing every order at the end: {complete} of {GROUPS}; board refreshes skipped "
          f"(due while the previous one waited on Telegram): {SkippedRuns.count}")  # fmt: skip
    print(f"lockdown: peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0))
