"""A one-off #通知 or #辟谣 reaches every street's building groups, whichever bot handled it: each
group's post is owed in the outbox to a bot in that group (the handling bot when it is there, else
the lowest bot id there), and that bot sends it. Bot A is in building 3's group, bot B in building
5's (``street``)."""

from __future__ import annotations

import asyncio

import pytest

from bot.texts.i18n import t
from handlers.sending import TELEGRAM
from tests import test_postgres_processes as processes
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, COMMITTEE_CHAT, Harness, until
from tests.test_postgres_bots_schedule import BUILDING_7, street
from tests.test_postgres_processes import calls_about, sent_by
from tests.test_postgres_shared_chat import ORDERS, from_now, said_in, to_both
from tests.test_reports import REBUTTAL, RUMOR, seed

bots, shared = processes.bots, processes.shared  # the fixtures: two bots over one PostgreSQL database

NOTICE = "#通知 明早7点核酸"
POSTED = t("zh", "notice.post", text="明早7点核酸")


def pinned(bot: Harness) -> list[int]:
    """The chats where ``bot`` pinned a message."""
    return [int(call.params["chat_id"]) for call in bot.api.calls_of("pinChatMessage")]


@pytest.mark.postgres
@pytest.mark.parametrize("order", ORDERS)
async def test_a_notice_and_a_rebuttal_in_a_committee_chat_both_bots_are_in_reach_each_streets_groups(
    bots, order: str
) -> None:
    a, b = bots
    await street(a, b)  # both bots are in the committee's chat
    in_3, in_5 = from_now(a, b, BUILDING_3), from_now(a, b, BUILDING_5)
    await to_both(a, b, a.api.message_update(COMMITTEE_CHAT, COMMITTEE, NOTICE), order)
    await to_both(a, b, a.api.message_update(COMMITTEE_CHAT, COMMITTEE, RUMOR), order)
    await until(lambda: in_3() == [POSTED, REBUTTAL] and in_5() == [POSTED, REBUTTAL])
    await asyncio.sleep(0.5)  # whatever would come twice has had its time
    assert sent_by(a, BUILDING_3)[-2:] == sent_by(b, BUILDING_5)[-2:] == [POSTED, REBUTTAL]  # each from its own bot
    assert in_3() == in_5() == [POSTED, REBUTTAL]
    assert calls_about(a, BUILDING_5) == [] and calls_about(b, BUILDING_3) == []
    assert pinned(a) == [BUILDING_3] and pinned(b) == [BUILDING_5]  # the rebuttal
    assert len(said_in(a, b, COMMITTEE_CHAT, t("zh", "notice.sent", count=2))) == 1
    assert len(said_in(a, b, COMMITTEE_CHAT, t("zh", "rumor.sent", id=1, count=2))) == 1


@pytest.mark.postgres
async def test_a_notice_and_a_rebuttal_in_one_bots_committee_chat_reach_the_other_bots_groups_from_it(bots) -> None:
    """Bot A alone is in the committee's chat. Building 5's group gets them from bot B; building 3's,
    which B was added to as well, once, from A (the bot that handled them); building 7's, which no
    bot is in any more, nothing."""
    a, b = bots
    await a.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await b.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")
    await b.send(BUILDING_7, COMMITTEE, "#绑定 7号楼")
    await b.feed(b.api.bot_membership_update(BUILDING_7, COMMITTEE, "member", "left"))
    await b.feed(b.api.bot_membership_update(BUILDING_3, COMMITTEE, "left", "member"))  # B added beside A
    await a.send(COMMITTEE_CHAT, COMMITTEE, "#绑定 居委")
    in_3 = from_now(a, b, BUILDING_3)
    await a.send(COMMITTEE_CHAT, COMMITTEE, NOTICE)
    assert a.last(COMMITTEE_CHAT) == t("zh", "notice.sent", count=2)
    await a.send(COMMITTEE_CHAT, COMMITTEE, RUMOR)
    assert a.last(COMMITTEE_CHAT) == t("zh", "rumor.sent", id=1, count=2)
    await until(lambda: sent_by(b, BUILDING_5)[-2:] == [POSTED, REBUTTAL])  # B's drainer finds them on its own
    await asyncio.sleep(0.5)
    assert in_3() == [POSTED, REBUTTAL] and sent_by(a, BUILDING_3)[-2:] == [POSTED, REBUTTAL]
    assert sent_by(b, BUILDING_3) == [t("zh", "bot.back", building=3)]  # its greeting only
    assert calls_about(a, BUILDING_5) == [] and calls_about(a, BUILDING_7) == []
    assert POSTED not in sent_by(b, BUILDING_7) and REBUTTAL not in sent_by(b, BUILDING_7)
    assert pinned(a) == [BUILDING_3] and pinned(b) == [BUILDING_5]


async def test_a_rebuttal_telegram_did_not_take_at_first_is_posted_once_and_pinned(bot: Harness, clock) -> None:
    """One bot: the post to building 3 meets a 502; the outbox tries it again after its back-off."""
    await seed(bot)
    bot.api.fail("sendMessage", 502, "Bad Gateway", chat_id=BUILDING_3)
    await bot.send(COMMITTEE_CHAT, COMMITTEE, RUMOR)
    assert bot.last(COMMITTEE_CHAT) == t("zh", "rumor.sent", id=1, count=2)
    assert bot.last(BUILDING_5) == REBUTTAL
    clock.advance(seconds=2)
    await bot.services.outbox.drain(TELEGRAM)
    assert bot.texts(BUILDING_3).count(REBUTTAL) == 1
    assert pinned(bot) == [BUILDING_5, BUILDING_3]
    assert (BUILDING_3, bot.last_message(BUILDING_3)["message_id"]) in {
        (int(call.params["chat_id"]), int(call.params["message_id"])) for call in bot.api.calls_of("pinChatMessage")
    }
