"""Updates handled the way polling delivers them, through the update queue: several chats at
once, each chat's updates in order."""

import asyncio

import pytest
from telegram import Update

from bot.services.errors import UserError
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, NEIGHBOUR, RESIDENT, Harness


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
