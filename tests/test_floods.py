"""A group over its send budget (20 messages a minute): answers that can flood — usage lines,
refusals, check-ins, registrations, relay imports, /me — are merged into one summary instead of
one reply each; what one person needs goes to their private chat; the summary is owed in the
outbox at once, so a restart before it is due still sends it, once. Nothing a user sent is lost."""

import asyncio
from typing import Any

import pytest
from telegram import Update

from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest, LocalUser
from bot.texts.i18n import t
from handlers.sending import TELEGRAM, Reply, fold_summary, telegram_payload
from tests.conftest import make_config
from tests.harness import BUILDING_3, COMMITTEE, NEIGHBOUR, RESIDENT, Harness, until
from tests.test_groupbuys import LEADER, quantities
from tests.test_volunteers_care import OTHER, VOLUNTEER, setup

BURST = 100


@pytest.fixture
def budgets(monkeypatch):
    """A group's budget over 10 s instead of a minute (its messages, then a wait for the first to
    be 10 s old); a busy group's summary due 1 s (of the test clock) after the first answer folded."""
    monkeypatch.setattr("handlers.sending.FOLD_SECONDS", 1)
    monkeypatch.setattr("bot.runtime.app.GROUP_BUDGET_SECONDS", 10)
    monkeypatch.setattr("bot.runtime.app.STOP_GRACE_SECONDS", 0.1)


@pytest.fixture
async def limited(tmp_path, clock, budgets):
    """Telegram's budgets: 20 messages into a group (in 10 s here), 30 a second overall."""
    config = make_config(tmp_path, telegram={"group_messages_per_minute": 20, "messages_per_second": 30})
    api = LocalBotApi()
    app = build_application(config, LocalRequest(api), clock=clock)
    async with running(app):
        yield Harness(app, api)


def flood(bot: Harness, messages: list[tuple[LocalUser, str]]) -> list[dict[str, Any]]:
    """Queue the messages into building 3's group as polling would deliver them; their updates."""
    updates = [bot.api.message_update(BUILDING_3, user, text) for user, text in messages]
    for payload in updates:
        bot.app.update_queue.put_nowait(Update.de_json(payload, bot.app.bot))
    return updates


async def summaries(bot: Harness, clock) -> list[str]:
    """Once the flood is handled: the summary falls due, and goes when the group has room."""
    await asyncio.wait_for(bot.app.update_queue.join(), 30)  # one reply each would take minutes
    clock.advance(seconds=1)
    await until(lambda: any(text.startswith("本群消息较多") for text in bot.texts(BUILDING_3)), 20)
    return [text for text in bot.texts(BUILDING_3) if text.startswith("本群消息较多")]


def answered_in_group(bot: Harness) -> set[int]:
    """The messages of building 3's group that the bot replied to."""
    calls = [call.params for call in bot.api.calls_of("sendMessage") if call.params["chat_id"] == BUILDING_3]
    return {params["reply_parameters"]["message_id"] for params in calls if "reply_parameters" in params}


async def test_a_burst_into_a_busy_group_is_answered_in_a_bounded_number_of_messages(limited, clock):
    await setup(limited)
    before = len(limited.api.sent(BUILDING_3))
    mixed = [
        (VOLUNTEER, "#签到 核酸 2号门"),  # recorded once; then "already on duty"
        (OTHER, "/checkin delivery gate1"),
        (RESIDENT, "#签到 核酸"),  # refused: not a volunteer
        (RESIDENT, "#登记"),  # a usage line
        (RESIDENT, "#配要 布洛芬"),  # did you mean #配药?
    ]
    flood(limited, [mixed[n % len(mixed)] for n in range(BURST)])

    (summary,) = await summaries(limited, clock)
    assert {shift.user_id for shift in await limited.services.volunteers.on_duty()} == {VOLUNTEER.id, OTHER.id}
    assert len(limited.texts(BUILDING_3)[before:]) <= 21
    assert "条未能办理" in summary and "发 /help 查看用法" in summary  # refusals and usage lines folded


RESIDENTS = [LocalUser(3000 + n, f"住户{n}") for n in range(19)]
MARKS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申"  # one unreadable relay line per round: 乱写一气甲 …
WITH_PRIVATE_CHAT, WITHOUT = LocalUser(3100, "小周"), LocalUser(3101, "小吴")


async def test_relays_registrations_and_me_in_a_flood_fold_or_go_privately_and_nothing_is_lost(limited, clock):
    """100 messages: registrations, residents' relays, a leader's relays with a line not read,
    /me, usage lines, from people with and without a private chat with the bot. Answers fold into
    one summary whose counts are those of the messages not answered at once; what a person needs
    goes to their private chat, or, without one, into the group, late; every record is stored."""
    bot = limited
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    said = await bot.send(BUILDING_3, LEADER, "大家好")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    await bot.send(BUILDING_3, NEIGHBOUR, "#登记 3-601")
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    for user in (LEADER, WITH_PRIVATE_CHAT, *RESIDENTS):  # NEIGHBOUR, WITHOUT and COMMITTEE have not
        await bot.send(user.id, user, "/start")
    expected: list[tuple[LocalUser, str, Reply | None]] = []  # None: no private chat, a late group reply
    for resident, room, mark in zip(RESIDENTS, range(101, 120), MARKS, strict=True):
        expected += [
            (resident, f"#登记 3-{room}", Reply.RECORDED),
            (resident, f"#接龙 蔬菜包\n1. 3-{room} 1份\n2. 3-999 5份", Reply.RECORDED),  # their own line only
            (LEADER, f"#接龙 蔬菜包\n1. 3-{room} 2份\n2. 乱写一气{mark}", Reply.PRIVATE),
            (resident, "/me", Reply.PRIVATE),
            (RESIDENT, "#登记", Reply.NOT_DONE),
        ]
    expected += [
        (WITH_PRIVATE_CHAT, "#登记 5-301", Reply.PRIVATE),  # building 5's room in building 3's group: a warning
        (RESIDENT, "#配要 布洛芬", Reply.NOT_DONE),  # did you mean #配药?
        # Last, so that the group's budget is spent once, before them: each of these waits for it.
        (WITHOUT, "#登记 5-302", None),
        (COMMITTEE, "#接龙 蔬菜包\n1. 3-502 3份\n2. 乱写一气尾", None),
        (NEIGHBOUR, "/me", None),
    ]
    assert len(expected) == BURST
    before = len(bot.texts(BUILDING_3))
    updates = flood(bot, [(user, text) for user, text, _ in expected])

    (summary,) = await summaries(bot, clock)
    answered = answered_in_group(bot)
    folded = {
        str(update["update_id"]): kind.value
        for update, (_, _, kind) in zip(updates, expected, strict=True)
        if kind is not None and update["message"]["message_id"] not in answered
    }
    assert len(bot.texts(BUILDING_3)[before:]) <= 20 + 3 + 1, "the group's budget, the three late, the summary"
    assert summary == fold_summary("zh", folded)["text"]
    late = [update["message"]["message_id"] for update, (*_, kind) in zip(updates, expected, strict=True) if not kind]
    assert set(late) <= answered, "no private chat: answered in the group, late"
    group = "\n".join(bot.texts(BUILDING_3))
    assert "乱写一气尾" in group and t("zh", "me.start_private") in group

    leader_private = "\n".join(bot.api.texts(LEADER.id))
    for (_, text, kind), update in zip(expected, updates, strict=True):
        if text.startswith("#接龙") and kind is Reply.PRIVATE and str(update["update_id"]) in folded:
            unreadable = text.splitlines()[-1]
            assert unreadable in leader_private and unreadable not in group
    assert t("zh", "register.elsewhere", building=3) in bot.api.texts(WITH_PRIVATE_CHAT.id)[-1]

    orders = await quantities(bot)
    assert orders == {**{f"3-{room}": 2 for room in range(101, 120)}, "3-502": 3}
    for resident, room in zip(RESIDENTS, range(101, 120), strict=True):
        assert (await bot.services.roster.actor(resident.id)).household.label == f"3-{room}"
        me = t("zh", "me", household=f"3-{room}", roles=t("zh", "role.resident"))
        assert me in bot.api.texts(resident.id), "/me, answered privately"
    for user, room in ((WITH_PRIVATE_CHAT, "5-301"), (WITHOUT, "5-302")):
        assert (await bot.services.roster.actor(user.id)).household.label == room


async def test_a_summary_owed_before_a_restart_is_sent_after_it_once(tmp_path, clock, budgets):
    """Killed between folded answers and their summary: the new process sends the summary, once.
    Until it is due it holds back nothing else owed to the group."""
    config = make_config(tmp_path, telegram={"group_messages_per_minute": 2, "messages_per_second": 30})
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        await app.process_update(Update.de_json(api.message_update(BUILDING_3, COMMITTEE, "#绑定 3号楼"), app.bot))
        for _ in range(4):  # one more answer fits the group's budget; the other three fold
            await app.process_update(Update.de_json(api.message_update(BUILDING_3, RESIDENT, "#登记"), app.bot))
    assert not [text for text in api.texts(BUILDING_3) if text.startswith("本群消息较多")]

    async with running(build_application(config, LocalRequest(api), clock=clock)) as restarted:
        outbox = restarted.bot_data.services.outbox
        notice = await outbox.send(TELEGRAM, BUILDING_3, telegram_payload("明早7点核酸"), "notice:1:-1003")
        assert notice.state == "sent", "the summary waiting for its time holds back nothing"
        clock.advance(seconds=1)
        await until(lambda: any(text.startswith("本群消息较多") for text in api.texts(BUILDING_3)))
        await outbox.drain(TELEGRAM)
    summaries = [text for text in api.texts(BUILDING_3) if text.startswith("本群消息较多")]
    assert summaries == [t("zh", "fold.summary", count=3, kinds=t("zh", "fold.not_done", count=3))]


async def test_an_answer_folded_while_its_summary_is_sent_goes_into_the_next_one(bot: Harness):
    """The summary is closed (by a write) before it is sent: an answer folded meanwhile starts the
    next summary instead of being written into one already on its way."""
    outbox = bot.services.outbox
    sent: list[dict[str, str]] = []

    async def send(target: str, payload: dict[str, Any]) -> dict[str, bool]:
        if not sent:  # while the first summary is on its way, another answer folds
            await outbox.gather("test", target, "fold:x", "2", "recorded", entries, 0)
        sent.append(payload["entries"])
        return {"ok": True}

    def entries(folded: dict[str, str]) -> dict[str, Any]:
        return {"entries": folded}

    outbox.register("test", send)
    await outbox.gather("test", "x", "fold:x", "1", "recorded", entries, 0)
    await outbox.drain("test")
    assert sent == [{"1": "recorded"}, {"2": "recorded"}]


async def test_medicine_requests_and_check_outs_in_a_flood_are_acknowledged_in_the_summary(limited, clock):
    """A lockdown morning's #配药 wave: each resident who has a private chat with the bot gets their
    list (with its ✅) there at once; the group gets no line per request, only the summary counting
    them; a check-out is recorded and folded too. Every request is filed."""
    bot = limited
    await setup(bot)
    await bot.send(BUILDING_3, VOLUNTEER, "#签到 核酸 2号门")
    residents = RESIDENTS[:15]
    for resident in residents:
        await bot.send(resident.id, resident, "/start")
    flood(bot, [(resident, f"#登记 3-{201 + n}") for n, resident in enumerate(residents)])
    await asyncio.wait_for(bot.app.update_queue.join(), 30)
    before = len(bot.texts(BUILDING_3))
    updates = flood(bot, [(resident, "#配药 布洛芬 2盒 谢谢") for resident in residents] + [(VOLUNTEER, "#签退")])

    summary = (await summaries(bot, clock))[-1]
    answered = answered_in_group(bot)
    folded_now = [update for update in updates if update["message"]["message_id"] not in answered]
    assert folded_now, "the group was over its budget: some answers folded"
    assert len(bot.texts(BUILDING_3)[before:]) <= 20 + 1, "the group's budget and the summary"
    assert t("zh", "fold.private", count=sum("#配药" in u["message"]["text"] for u in folded_now)) in summary
    requests = [await bot.services.medicine.get(n) for n in range(1, len(residents) + 1)]
    assert sorted(r.household for r in requests) == [f"3-{201 + n}" for n in range(len(residents))]
    for resident in residents:
        assert any("布洛芬" in text for text in bot.api.texts(resident.id)), "the list, privately"
    assert not await bot.services.volunteers.on_duty(), "checked out"
