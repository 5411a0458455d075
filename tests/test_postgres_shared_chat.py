"""A chat two bots are in (a committee's chat; a building's group during a hand-over), over one
PostgreSQL database: Telegram delivers each message there to both bots, each under its own update
id, and the message is handled once, by the first bot to store it, which answers in the chat."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from bot.texts.i18n import t
from tests import test_postgres_processes as processes
from tests.harness import BUILDING_3, COMMITTEE, COMMITTEE_CHAT, RESIDENT, Harness, deliver
from tests.test_postgres_processes import sent_by, settled
from tests.test_reports import REBUTTAL, RUMOR

bots, shared = processes.bots, processes.shared  # the fixtures: two bots over one PostgreSQL database

pytestmark = pytest.mark.postgres

ORDERS = ["first bot first", "second bot first", "at once"]


def for_the_other_bot(payload: dict) -> dict:
    """The same message as Telegram hands it to the other bot in the chat: only the update id is
    that bot's own (any number it has not used: Telegram numbers each bot's updates apart)."""
    return {**payload, "update_id": payload["update_id"] + 10_000}


async def to_both(a: Harness, b: Harness, payload: dict, order: str) -> None:
    """``payload`` reaches both bots, each as its own update, in the order given."""
    own = {a: payload, b: for_the_other_bot(payload)}
    if order == "at once":
        await asyncio.gather(deliver(a, own[a]), deliver(b, own[b]))
    else:
        for bot in (a, b) if order == "first bot first" else (b, a):
            await deliver(bot, own[bot])
            await settled(bot)
    await settled(a, b)


def said_in(a: Harness, b: Harness, chat_id: int, prefix: str) -> list[str]:
    """Both bots' messages in a chat that start with ``prefix``."""
    return [text for bot in (a, b) for text in sent_by(bot, chat_id) if text.startswith(prefix)]


def from_now(a: Harness, b: Harness, chat_id: int) -> Callable[[], list[str]]:
    """What both bots say in a chat from now on (each bot's messages in order), read when called."""
    marks = {bot: len(sent_by(bot, chat_id)) for bot in (a, b)}
    return lambda: [text for bot, mark in marks.items() for text in sent_by(bot, chat_id)[mark:]]


async def count(bot: Harness, table: str) -> int:
    return (await bot.services.db.fetchall(f"SELECT count(*) AS n FROM {table}"))[0]["n"]


async def hand_over(a: Harness, b: Harness) -> None:
    """Building 3's group is the first bot's and the second bot is added to it; the resident registers."""
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await b.feed(b.api.bot_membership_update(BUILDING_3, COMMITTEE, "left", "member"))
    await a.send(BUILDING_3, RESIDENT, "#登记 3-502")


@pytest.mark.parametrize("order", ORDERS)
async def test_messages_in_a_group_both_bots_are_in_are_handled_and_answered_once(bots, order: str) -> None:
    a, b = bots
    await hand_over(a, b)
    said = from_now(a, b, BUILDING_3)
    await to_both(a, b, a.api.message_update(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒"), order)
    assert await count(a, "med_requests") == 1
    assert len(said()) == 1 and said()[0].startswith("配药单 #1")  # one answer, from one bot
    await to_both(a, b, a.api.message_update(BUILDING_3, RESIDENT, "#帮助"), order)
    assert len(said()) == 2


@pytest.mark.parametrize("order", ORDERS)
async def test_an_edit_both_bots_receive_is_handled_once_as_an_edit(bots, order: str) -> None:
    a, b = bots
    await hand_over(a, b)
    sent = a.api.message_update(BUILDING_3, RESIDENT, "#配药 布洛芬 2盒")
    await to_both(a, b, sent, "first bot first")
    said = from_now(a, b, BUILDING_3)
    edit = a.api.edit_update(BUILDING_3, sent["message"]["message_id"], "#配药 布洛芬 3盒，维生素C 1瓶")
    await to_both(a, b, edit, order)
    request = await a.services.medicine.get(1)
    assert [(item.name, item.quantity) for item in request.items] == [("布洛芬", 3), ("维生素C", 1)]
    assert said() == [t("zh", "med.updated", id=1, count=2)]


@pytest.mark.parametrize("order", ORDERS)
async def test_the_committees_commands_in_a_chat_both_bots_are_in_are_handled_once(bots, order: str) -> None:
    a, b = bots
    await hand_over(a, b)  # both bots are in building 3's group too: whichever handles it posts there
    for bot in (a, b):
        await bot.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")
    await to_both(a, b, a.api.message_update(COMMITTEE_CHAT, COMMITTEE, "#通知 明早7点核酸"), order)
    assert await count(a, "notices") == 1
    assert len(said_in(a, b, BUILDING_3, t("zh", "notice.post", text="明早7点核酸"))) == 1
    assert len(said_in(a, b, COMMITTEE_CHAT, t("zh", "notice.sent", count=1))) == 1
    await to_both(a, b, a.api.message_update(COMMITTEE_CHAT, COMMITTEE, "#日报"), order)
    title = t("zh", "digest.title", day=(await a.services.reports.digest()).day.isoformat())
    assert len(said_in(a, b, COMMITTEE_CHAT, title)) == 1


async def test_a_rumor_and_the_chatter_it_answers_in_a_group_both_bots_are_in_get_one_rebuttal_each(bots) -> None:
    a, b = bots
    await hand_over(a, b)
    for bot in (a, b):
        await bot.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")
    said = from_now(a, b, BUILDING_3)
    await to_both(a, b, a.api.message_update(COMMITTEE_CHAT, COMMITTEE, RUMOR), "at once")
    assert said() == [REBUTTAL]  # posted once
    await to_both(a, b, a.api.message_update(BUILDING_3, RESIDENT, "听说居委私吞物资了？"), "at once")
    assert said() == [REBUTTAL, REBUTTAL]  # the chatter answered once
    assert await count(a, "rumors") == 1


async def test_a_message_one_bot_stored_a_day_ago_is_not_handled_by_the_other_bot_coming_back(bots, clock) -> None:
    """The second bot was down for most of a day: Telegram kept the message for it, and the first
    bot, restarted meanwhile, forgets what it handled a week later, not sooner."""
    a, b = bots
    await hand_over(a, b)
    said = a.api.message_update(BUILDING_3, RESIDENT, "#帮助")
    await deliver(a, said)
    await settled(a)
    clock.advance(hours=23)
    await a.services.deliveries.forget_old()  # what a restart does
    await deliver(b, for_the_other_bot(said))
    await settled(b)
    assert sent_by(b, BUILDING_3) == [t("zh", "bot.back", building=3)]  # only its greeting when it was added


async def test_private_messages_to_each_bot_are_handled_by_each(bots) -> None:
    """A person's private chat with each bot has the same chat id (theirs), and its messages may
    have the same ids: each bot answers its own."""
    a, b = bots
    b.api.started.add(RESIDENT.id)  # the person opened a private chat with each bot
    await to_both(a, b, a.api.message_update(RESIDENT.id, RESIDENT, "/start"), "at once")
    assert sent_by(a, RESIDENT.id) == sent_by(b, RESIDENT.id) != []  # the welcome, from each bot
