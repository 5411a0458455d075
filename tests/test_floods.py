"""A group over its send budget (20 messages a minute): answers that can flood — usage lines,
refusals, check-ins — are merged into one summary instead of one reply each, and nothing a user
sent is lost."""

import asyncio

import pytest
from telegram import Update

from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from tests.conftest import make_config
from tests.harness import BUILDING_3, RESIDENT, Harness
from tests.test_volunteers_care import OTHER, VOLUNTEER, setup

BURST = 100


@pytest.fixture
async def limited(tmp_path, clock, monkeypatch):
    """Telegram's budgets, a group's over 10 s instead of a minute (20 messages, then a wait for
    the first to be 10 s old); a busy group's summary after 1 s instead of 30."""
    monkeypatch.setattr("handlers.sending.FOLD_SECONDS", 1)
    monkeypatch.setattr("bot.runtime.app.GROUP_BUDGET_SECONDS", 10)
    monkeypatch.setattr("bot.runtime.app.STOP_GRACE_SECONDS", 0.1)
    config = make_config(tmp_path, telegram={"group_messages_per_minute": 20, "messages_per_second": 30})
    api = LocalBotApi()
    app = build_application(config, LocalRequest(api), clock=clock)
    async with running(app):
        yield Harness(app, api)


async def test_a_burst_into_a_busy_group_is_answered_in_a_bounded_number_of_messages(limited):
    await setup(limited)
    before = len(limited.api.sent(BUILDING_3))
    mixed = [
        (VOLUNTEER, "#签到 核酸 2号门"),  # recorded once; then "already on duty"
        (OTHER, "/checkin delivery gate1"),
        (RESIDENT, "#签到 核酸"),  # refused: not a volunteer
        (RESIDENT, "#登记"),  # a usage line
        (RESIDENT, "#不存在的命令"),
    ]
    for n in range(BURST):
        user, text = mixed[n % len(mixed)]
        payload = limited.api.message_update(BUILDING_3, user, text)
        limited.app.update_queue.put_nowait(Update.de_json(payload, limited.app.bot))

    await asyncio.wait_for(limited.app.update_queue.join(), 20)  # one reply each would take 5 minutes
    assert {shift.user_id for shift in await limited.services.volunteers.on_duty()} == {VOLUNTEER.id, OTHER.id}
    for _ in range(150):  # the summary goes once the group's budget has room again
        if any("合并" in text for text in limited.texts(BUILDING_3)):
            break
        await asyncio.sleep(0.1)
    burst_answers = limited.texts(BUILDING_3)[before:]
    assert len(burst_answers) <= 21
    summary = next(text for text in burst_answers if "合并" in text)
    assert "条已记录" in summary and "发 /help 查看用法" in summary
