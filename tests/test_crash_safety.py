"""The real ``building-bot run``, polling a Bot API on 127.0.0.1, killed with SIGKILL again and
again while residents keep writing (a steady feed, then bursts): every update is stored and handled
exactly once, every stored record is answered, an answer is repeated only when the kill came between
Telegram taking it and the bot recording that, and the database stays intact. On SQLite, or on
PostgreSQL under ``BUILDING_BOT_TEST_DATABASE=postgres`` (the run process gets ``[storage] url``)."""

from __future__ import annotations

import asyncio
import random
import signal
from collections import Counter
from pathlib import Path

from bot.runtime.localapi import LocalBotApi, LocalUser
from bot.runtime.localapi_http import HttpBotApi
from tests.conftest import backing_for, storage_for
from tests.harness import run_config, start_bot_process

CHAT = -1003
HOUSEHOLDS = 20
KILLS = 22
DEADLINE_SECONDS = 80  # the whole test, kills and the final catch-up included


def _config(tmp_path: Path, base_url: str) -> Path:
    budgets = "group_messages_per_minute = 10000\nmessages_per_second = 10000\n"
    path = run_config(tmp_path, base_url, "123:crash", storage_for(tmp_path), budgets)
    with path.open("a", encoding="utf-8") as file:
        file.write("[medicine]\nauto_confirm = true\n")
    return path


class Residents:
    """Residents writing into building 3's group: first each registers, then medicine requests."""

    def __init__(self, api: LocalBotApi) -> None:
        self.api = api
        self.users = [LocalUser(10_000 + i, f"居民{i}") for i in range(HOUSEHOLDS)]
        self.sent = 0
        self.requests = 0

    def write(self, count: int) -> None:
        for _ in range(count):
            if self.sent < HOUSEHOLDS:
                text = f"#登记 3-{101 + self.sent}"
            else:
                text = f"#配药 药品{self.requests} 1盒"
                self.requests += 1
            user = self.users[self.sent % HOUSEHOLDS]
            self.api.pending_updates.append(self.api.message_update(CHAT, user, text))
            self.sent += 1


def _answers(api: LocalBotApi) -> Counter[int]:
    """How many times the group was told of each medicine request (``配药单 #N · …``)."""
    told = Counter()
    for text in api.texts(CHAT):
        if text.startswith("配药单 #"):
            told[int(text.split("#")[1].split()[0])] += 1
    return told


async def test_sigkill_while_polling_loses_no_update_and_answers_every_record_once(tmp_path):
    rng = random.Random(20220401)
    api = LocalBotApi()
    residents = Residents(api)
    database = backing_for(tmp_path)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    async with HttpBotApi(api) as server:
        config = _config(tmp_path, server.base_url)
        for kill in range(KILLS):
            process = await start_bot_process(config)
            bursts = kill >= KILLS // 2
            alive_for = rng.uniform(0.8, 2.0)
            until = loop.time() + alive_for
            while loop.time() < until:
                residents.write(rng.randint(15, 40) if bursts else 2)
                await asyncio.sleep(rng.uniform(0.2, 0.6) if bursts else 0.05)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            assert database.url or database.intact()  # a SQLite file, written by the killed process
        # The last run is left alone until everything written has been handled and answered.
        process = await start_bot_process(config)
        try:
            while loop.time() < deadline:
                await asyncio.sleep(0.2)
                if not api.pending_updates and len(_answers(api)) == residents.requests:
                    with database.connect() as conn:
                        left = conn.execute("SELECT count(*) FROM inbox WHERE done_at IS NULL").fetchone()[0]
                    if left == 0:
                        break
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 15)
    assert loop.time() < deadline, "the bot did not catch up in time"
    assert database.url or database.intact()
    with database.connect() as conn:
        stored = conn.execute("SELECT count(*) FROM inbox").fetchone()[0]
        not_done = conn.execute("SELECT count(*) FROM inbox WHERE done_at IS NOT NULL").fetchone()[0]
        numbers = {row[0] for row in conn.execute("SELECT id FROM med_requests").fetchall()}
        created = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'med.new'").fetchone()[0]
        members = conn.execute("SELECT count(*) FROM members").fetchone()[0]
    assert stored == not_done == residents.sent, "every update stored and handled"
    requests = len(numbers)
    assert requests == created == residents.requests, "each request exactly once"
    assert members == HOUSEHOLDS
    told = _answers(api)
    # by its number: PostgreSQL's sequence does not give back a number taken by a write the kill undid
    assert set(told) == numbers, "every stored request answered"
    # Telegram has no idempotency key: a reply Telegram took in the moment before the kill let the
    # bot record it is sent again when its update is handled after the restart (and again if the
    # next kill also lands while that update is replayed). Those are the only repeats there may be:
    # each one is a kill's, so there are never more repeats than kills.
    repeats = sum(times - 1 for times in told.values())
    assert repeats <= KILLS, f"{repeats} repeated answers over {KILLS} kills"
    print(f"{residents.sent} updates, {requests} requests, {KILLS} kills: {repeats} answers sent again")
