"""A worker that dies while others run (OOM, SIGKILL, nobody restarts it): the updates it held are
taken over by the running workers, without waiting for a start. Real Applications over one
PostgreSQL database, as in ``tests/test_postgres_processes.py``; a worker is gone once it stops
(its connections close, and its liveness lock with them)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from telegram.ext import Application

from bot.config import Config
from bot.runtime import app as app_module
from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.texts.i18n import t
from tests.conftest import make_config
from tests.harness import BUILDING_3, COMMITTEE, NEIGHBOUR, RESIDENT, Harness, deliver, nothing_pending, until

pytestmark = pytest.mark.postgres


@pytest.fixture
def shared(tmp_path: Path, postgres_url: str) -> Config:
    return make_config(tmp_path, storage={"url": postgres_url})


@pytest.fixture
def api() -> LocalBotApi:
    return LocalBotApi()  # one bot: its workers share its Bot API


def worker(shared: Config, api: LocalBotApi, clock) -> Application:
    """A worker of the bot (not started)."""
    return build_application(shared, LocalRequest(api), clock=clock)


async def held_by_a_worker_that_dies(shared: Config, api: LocalBotApi, clock, texts: list[tuple]) -> None:
    """A worker binds building 3, stores ``texts`` (chat, user, text) as delivered, held by it, and
    dies before handling them."""
    async with running(worker(shared, api, clock)) as app:
        await Harness(app, api).send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
        for chat, user, text in texts:
            update = api.message_update(chat, user, text)
            await app.bot_data.services.deliveries.receive(
                [(update["update_id"], json.dumps(update), ("chat", chat), None)]
            )




def filed(api: LocalBotApi, number: int) -> int:
    """How many times the request ``#number`` was acknowledged in building 3's group."""
    return sum(text.startswith(f"配药单 #{number} ") for text in api.texts(BUILDING_3))


async def test_running_workers_take_over_a_dead_workers_updates_each_once(shared, api, clock, monkeypatch) -> None:
    monkeypatch.setattr(app_module, "TAKE_OVER_SECONDS", 0.2)
    async with running(worker(shared, api, clock)) as b, running(worker(shared, api, clock)) as c:
        await held_by_a_worker_that_dies(
            shared, api, clock,
            [(BUILDING_3, RESIDENT, "#登记 3-502"), (BUILDING_3, RESIDENT, "#配药 布洛芬 2盒"),
             (BUILDING_3, RESIDENT, "#配药 感冒灵 1盒"), (NEIGHBOUR.id, NEIGHBOUR, "/help")],
        )  # fmt: skip
        await until(lambda: filed(api, 2) and api.texts(NEIGHBOUR.id))  # no worker started meanwhile
        await until(nothing_pending(b))
        await asyncio.wait_for(asyncio.gather(b.update_queue.join(), c.update_queue.join()), 10)
    assert filed(api, 1) == filed(api, 2) == 1  # each once, though both workers look every 0.2 s
    assert len(api.texts(NEIGHBOUR.id)) == 1  # another chat
    assert api.texts(BUILDING_3)[1].startswith(t("zh", "register.done", room="3-502"))  # in order


async def test_a_later_update_at_a_running_worker_first_handles_the_dead_workers_earlier_one(
    shared, api, clock
) -> None:
    async with running(worker(shared, api, clock)) as app:
        b = Harness(app, api)
        await held_by_a_worker_that_dies(shared, api, clock, [(BUILDING_3, NEIGHBOUR, "#登记 3-601")])
        await deliver(b, api.message_update(BUILDING_3, NEIGHBOUR, "#配药 布洛芬 2盒"))  # long before a take-over
        await asyncio.wait_for(app.update_queue.join(), 10)  # not stuck behind it
        assert await b.services.deliveries.pending() == []
    assert [text.split("\n")[0] for text in api.texts(BUILDING_3)[1:]] == [
        t("zh", "register.done", room="3-601"),
        "配药单 #1 · 3-601 · 1 项",
    ]  # the registration first, then the request it allowed


async def test_the_take_over_leaves_a_live_workers_updates_alone(shared, api, clock, monkeypatch) -> None:
    monkeypatch.setattr(app_module, "TAKE_OVER_SECONDS", 0.2)
    async with running(worker(shared, api, clock)) as app:
        b = Harness(app, api)
        take_over = app.job_queue.get_jobs_by_name("inbox-take-over")[0]
        async with running(worker(shared, api, clock)) as other:
            a = Harness(other, api)
            await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
            await a.send(BUILDING_3, RESIDENT, "#登记 3-502")
            held = api.message_update(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒")
            await a.services.deliveries.receive([(held["update_id"], json.dumps(held), ("chat", BUILDING_3), None)])
            await take_over.run(app)  # its worker is alive (handling it, as far as b can tell)
            await asyncio.wait_for(app.update_queue.join(), 10)
            assert filed(api, 1) == 0
            rows = await b.services.db.fetchall("SELECT leased_by FROM inbox WHERE done_at IS NULL")
            assert [row["leased_by"] for row in rows] == [a.services.db.holder]
        await until(lambda: filed(api, 1) == 1)  # now it is gone (the server frees its lock soon after)
        await until(nothing_pending(app))
