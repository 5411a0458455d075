"""Updates handled the way polling delivers them, through the update queue: several chats at
once, each chat's updates in order, and a backlog in one chat never delaying another."""

import asyncio

import pytest
from telegram import Update

from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.services.errors import UserError
from tests.conftest import make_config
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, NEIGHBOUR, RESIDENT, Harness

# More queued updates than the default 32 handled at once.
BACKLOG = 200


def queue(bot: Harness, payload: dict) -> None:
    bot.app.update_queue.put_nowait(Update.de_json(payload, bot.app.bot))


def mentions(bot: Harness, chat_id: int, text: str) -> bool:
    return any(text in sent for sent in bot.texts(chat_id))


def when_sent(bot: Harness, chat_id: int, text: str) -> asyncio.Event:
    """Set once the bot has sent ``text`` into ``chat_id``."""
    sent = asyncio.Event()
    bot.api.listeners.append(lambda call, result: mentions(bot, chat_id, text) and sent.set())
    return sent


async def bind_two_buildings(bot: Harness) -> None:
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")


async def test_a_slow_chat_does_not_hold_up_another(bot):
    await bind_two_buildings(bot)
    slow = bot.api.hold(BUILDING_3)  # say building 3 has used up its 20 messages a minute
    answered_5 = when_sent(bot, BUILDING_5, "5-101")
    queue(bot, bot.api.message_update(BUILDING_3, RESIDENT, "#登记 3-502"))
    queue(bot, bot.api.message_update(BUILDING_5, NEIGHBOUR, "#登记 5-101"))

    await asyncio.wait_for(answered_5.wait(), 5)
    assert not mentions(bot, BUILDING_3, "3-502")

    slow.set()
    await asyncio.wait_for(bot.app.update_queue.join(), 5)
    assert mentions(bot, BUILDING_3, "3-502")


async def test_one_chat_is_handled_in_order(bot):
    await bind_two_buildings(bot)
    slow = bot.api.hold(BUILDING_3)
    answered_5 = when_sent(bot, BUILDING_5, "5-101")
    # The request only works once the registration before it has been handled.
    queue(bot, bot.api.message_update(BUILDING_3, RESIDENT, "#登记 3-502"))
    queue(bot, bot.api.message_update(BUILDING_3, RESIDENT, "#配药 布洛芬缓释胶囊 2盒"))
    queue(bot, bot.api.message_update(BUILDING_5, NEIGHBOUR, "#登记 5-101"))

    await asyncio.wait_for(answered_5.wait(), 5)
    with pytest.raises(UserError):  # still waiting behind the registration
        await bot.services.medicine.get(1)

    slow.set()
    await asyncio.wait_for(bot.app.update_queue.join(), 5)
    assert (await bot.services.medicine.get(1)).household == "3-502"
    assert bot.app.update_processor.chats_in_flight == 0  # no lock kept for idle chats


@pytest.fixture
async def limited(tmp_path, clock, monkeypatch):
    """The bot with Telegram's real budgets: 20 messages a minute into a group, 30 a second."""
    monkeypatch.setattr("bot.runtime.app.STOP_GRACE_SECONDS", 0.1)  # the backlog is cut at teardown
    config = make_config(tmp_path, telegram={"group_messages_per_minute": 20, "messages_per_second": 30})
    api = LocalBotApi()
    app = build_application(config, LocalRequest(api), clock=clock)
    async with running(app):
        yield Harness(app, api)


async def quiet_group_answered_behind_a_backlog(bot: Harness) -> None:
    """Building 3 has BACKLOG updates queued, each wanting an answer; building 5 then asks once."""
    answered_5 = when_sent(bot, BUILDING_5, "5-101")
    for _ in range(BACKLOG):
        queue(bot, bot.api.message_update(BUILDING_3, RESIDENT, "#登记 3-502"))
    queue(bot, bot.api.message_update(BUILDING_5, NEIGHBOUR, "#登记 5-101"))
    await asyncio.wait_for(answered_5.wait(), 5)


async def test_a_group_over_its_rate_limit_does_not_hold_up_another(limited):
    await bind_two_buildings(limited)
    await quiet_group_answered_behind_a_backlog(limited)
    assert len(limited.texts(BUILDING_3)) < BACKLOG  # building 3 is still waiting on its budget


async def test_a_group_under_a_429_does_not_hold_up_another(limited):
    await bind_two_buildings(limited)
    limited.api.fail(
        "sendMessage", 429, "Too Many Requests: retry after 20", parameters={"retry_after": 20}, chat_id=BUILDING_3
    )

    def tried_3() -> int:
        return sum("3-502" in call.params["text"] for call in limited.api.calls_of("sendMessage"))

    queue(limited, limited.api.message_update(BUILDING_3, RESIDENT, "#登记 3-502"))
    for _ in range(50):  # until Telegram has answered building 3's first answer with the 429
        if tried_3():
            break
        await asyncio.sleep(0.1)
    await quiet_group_answered_behind_a_backlog(limited)
    assert tried_3() == 1  # building 3's first answer is waiting out its 20 s


async def test_a_group_on_a_slow_network_does_not_hold_up_another(bot):
    await bind_two_buildings(bot)
    slow = bot.api.hold(BUILDING_3)
    await quiet_group_answered_behind_a_backlog(bot)
    assert not mentions(bot, BUILDING_3, "3-502")

    slow.set()
    await asyncio.wait_for(bot.app.update_queue.join(), 30)
    assert mentions(bot, BUILDING_3, "3-502")


@pytest.fixture
async def narrow(tmp_path, clock, monkeypatch):
    """The bot with an overall budget scaled down to 5 messages a second."""
    monkeypatch.setattr("bot.runtime.app.STOP_GRACE_SECONDS", 0.1)
    config = make_config(tmp_path, telegram={"messages_per_second": 5})
    api = LocalBotApi()
    app = build_application(config, LocalRequest(api), clock=clock)
    async with running(app):
        yield Harness(app, api)


async def test_an_answer_goes_before_queued_background_sends(narrow):
    await bind_two_buildings(narrow)
    notices = [  # background sends (as a job or the outbox makes them), 8 s of the budget
        asyncio.create_task(narrow.app.bot.send_message(-9000 - n, f"通知 {n}")) for n in range(40)
    ]
    await asyncio.sleep(0)
    answered_5 = when_sent(narrow, BUILDING_5, "5-101")
    queue(narrow, narrow.api.message_update(BUILDING_5, NEIGHBOUR, "#登记 5-101"))

    await asyncio.wait_for(answered_5.wait(), 5)
    assert sum(not notice.done() for notice in notices) > 20  # most notices still wait their turn
    await asyncio.wait_for(asyncio.gather(*notices), 20)  # and none is lost
