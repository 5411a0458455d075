"""The real ``building-bot run``, polling a Bot API on 127.0.0.1, stopped by SIGTERM (systemd,
Docker) or SIGINT (Ctrl-C) while one group has hundreds of updates held back by its 20-a-minute
budget: the bot exits within 10 seconds, with status 0 and no traceback; and a job held up by
Telegram at a stop is cut short after the same grace as updates."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import UTC, datetime

import pytest

from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest, LocalUser
from bot.runtime.localapi_http import HttpBotApi
from handlers.groupbuys import board_job_name
from tests.conftest import make_config, storage_for
from tests.harness import BUILDING_3, RESIDENT, Harness, run_config, start_bot_process, until
from tests.test_groupbuys import LEADER, setup

GROUP = -1003
BACKLOG = 300
STOP_WITHIN_SECONDS = 10


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_stops_the_bot_within_10_s_whatever_the_backlog(tmp_path, stop):
    api = LocalBotApi()
    residents = [LocalUser(20_000 + i, f"居民{i}") for i in range(BACKLOG)]
    api.pending_updates = [api.message_update(GROUP, user, "/help") for user in residents]
    loop = asyncio.get_running_loop()
    async with HttpBotApi(api) as server:
        process = await start_bot_process(
            run_config(tmp_path, server.base_url, "123:stop", storage_for(tmp_path)), stderr=asyncio.subprocess.PIPE
        )  # Telegram's real budgets: 20 messages a minute in a group
        stderr = asyncio.create_task(process.stderr.read())
        try:
            while len(api.texts(GROUP)) < 20:  # the minute's budget is spent: the rest are held back
                assert process.returncode is None, "the bot exited before the signal"
                assert not stderr.done(), "the bot exited before the signal"
                await asyncio.sleep(0.1)
            await asyncio.sleep(1)
            assert len(api.texts(GROUP)) < BACKLOG, "the backlog must still be there when the signal comes"
            process.send_signal(stop)
            signalled = loop.time()
            await asyncio.wait_for(process.wait(), STOP_WITHIN_SECONDS)
            took = loop.time() - signalled
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        err = (await stderr).decode()
    assert took < STOP_WITHIN_SECONDS
    assert process.returncode == 0
    assert "Traceback" not in err and "Error" not in err, err


async def test_a_job_held_up_by_telegram_is_cut_short_at_a_stop_and_ends_quietly(tmp_path, clock, monkeypatch, caplog):
    """A buy's board refresh waiting on Telegram (its group's budget spent, a slow network) when
    the bot stops: PTB would wait for it however long; it gets the grace updates get, then is cut
    short without an error."""
    monkeypatch.setattr("bot.runtime.app.STOP_GRACE_SECONDS", 0.5)
    api = LocalBotApi()
    app = build_application(make_config(tmp_path), LocalRequest(api), clock=clock)
    loop = asyncio.get_running_loop()
    with caplog.at_level(logging.INFO):
        async with asyncio.timeout(STOP_WITHIN_SECONDS), running(app):
            bot = Harness(app, api)
            await setup(bot)
            await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
            await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")  # the board's next edit is scheduled
            api.hold(BUILDING_3)  # and Telegram does not take it
            (job,) = app.job_queue.get_jobs_by_name(board_job_name(1))
            job.job.modify(next_run_time=datetime.now(UTC))
            await until(lambda: app.job_queue._executor._pending_futures)  # the refresh is at work
            stopping = loop.time()
        took = loop.time() - stopping
    assert took < STOP_WITHIN_SECONDS / 2  # 0.5 s of grace here (5 s in production)
    assert "job board-N cut short: stopping" in caplog.text
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
