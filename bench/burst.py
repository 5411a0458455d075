"""Burst etiquette: 500 households order in one group within a minute. Prints the messages sent
plus edits into that group per minute (Telegram allows about 20), whether the local Bot API had
to answer 429 RetryAfter, and how long until every order was stored.

The local Bot API here enforces Telegram's per-group budget: a 21st message or edit into the
group within a minute is answered with 429, as Telegram would.

Run: .venv/bin/python bench/burst.py [SECONDS]   (default 60: the orders are spread over that long)
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import deque

from common import BUILDING_CHAT_BASE, COMMITTEE_ID, bench_config, bench_storage, database, household_user, seed_street
from telegram import Update

from bot.runtime.app import build_application, running
from bot.runtime.localapi import ApiError, LocalBotApi, LocalRequest, LocalUser

ORDERS = 500
CHAT = BUILDING_CHAT_BASE - 1
GROUP_LIMIT = 20


class StrictBotApi(LocalBotApi):
    """Answers 429 past 20 messages or edits into one group in any 60 seconds."""

    def __init__(self) -> None:
        super().__init__()
        self.recent: deque[float] = deque()
        self.retry_afters = 0
        self.per_minute: dict[int, int] = {}
        self.started_at = time.monotonic()

    def handle(self, method, params, files=None):
        if (
            method in {"sendMessage", "editMessageText", "sendPhoto", "sendDocument"}
            and int(params.get("chat_id", 0)) == CHAT
        ):
            now = time.monotonic()
            while self.recent and now - self.recent[0] > 60:
                self.recent.popleft()
            if len(self.recent) >= GROUP_LIMIT:
                self.retry_afters += 1
                raise ApiError(429, "Too Many Requests: retry after 3", {"retry_after": 3})
            self.recent.append(now)
            minute = int((now - self.started_at) // 60)
            self.per_minute[minute] = self.per_minute.get(minute, 0) + 1
        return super().handle(method, params, files)


async def main(spread: float) -> None:
    with bench_storage("burst") as where:
        await run(where, spread)


async def run(where: str, spread: float) -> None:
    from datetime import UTC, datetime

    db = database(where)
    await db.open()
    await seed_street(db, 3, 500, datetime.now(UTC))
    await db.close()
    config = bench_config(where, telegram={"group_messages_per_minute": 20, "messages_per_second": 30})
    api = StrictBotApi()
    app = build_application(config, LocalRequest(api))
    async with running(app):
        admin = LocalUser(COMMITTEE_ID, "居委")
        await app.process_update(Update.de_json(api.message_update(CHAT, admin, "#开团 蔬菜包 68元/份"), app.bot))
        payloads = [
            api.message_update(CHAT, LocalUser(household_user(1, i), f"居民{i}"), f"#接龙 1 {1 + i % 3}")
            for i in range(ORDERS)
        ]
        api.started_at = time.monotonic()
        first = time.perf_counter()
        slowest = 0.0
        for n, payload in enumerate(payloads):
            due = first + spread * n / ORDERS
            if (pause := due - time.perf_counter()) > 0:
                await asyncio.sleep(pause)
            arrived = time.perf_counter()
            await app.process_update(Update.de_json(payload, app.bot))
            slowest = max(slowest, time.perf_counter() - arrived)
        stored_after = time.perf_counter() - first
        tally = await app.bot_data.services.groupbuys.tally(1)
        # Let the last board refresh go out, then stop.
        await asyncio.sleep(config.groupbuy.board_interval_seconds + 1)
        board = next(m for m in reversed(api.sent(CHAT)) if m.get("text", "").startswith("🛒"))
    print(f"burst: {ORDERS} orders into one group over {spread:.0f} s")
    print(
        f"burst: every order stored {stored_after:.1f} s after the first ({len(tally.orders)} households, "
        f"{tally.total} 份); the slowest was stored {slowest * 1000:.1f} ms after it arrived"
    )
    print(
        f"burst: messages + edits into the group per minute: {dict(sorted(api.per_minute.items()))} (Telegram allows {GROUP_LIMIT})"
    )
    print(
        f"burst: 429 RetryAfter answers: {api.retry_afters}; board shows all orders: {f'已接龙 {ORDERS} 户' in board['text']}"
    )


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0))
