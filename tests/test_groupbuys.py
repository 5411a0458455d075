"""团购 / 接龙 end to end."""

import asyncio
import csv
import io
from datetime import UTC, datetime

import pytest

from bot.domain.statuses import BuyStatus
from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.texts.i18n import t
from handlers.groupbuys import board_job_name, close_job_name, schedule_board
from tests.conftest import SHANGHAI
from tests.harness import (
    BUILDING_3,
    BUILDING_5,
    COMMITTEE,
    COMMITTEE_CHAT,
    NEIGHBOUR,
    RESIDENT,
    Harness,
    LocalUser,
    until,
)

LEADER = LocalUser(2001, "楼长老陈")


async def setup(bot: Harness) -> None:
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    said = await bot.send(BUILDING_3, LEADER, "大家好")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    await bot.send(BUILDING_3, NEIGHBOUR, "#登记 3-601")


async def flush_board(bot: Harness, buy_id: int = 1) -> None:
    """Fire the pending board refresh now (as its timer would)."""
    for job in bot.app.job_queue.get_jobs_by_name(board_job_name(buy_id)):
        await job.run(bot.app)
        job.schedule_removal()


def board(bot: Harness) -> dict:
    return next(m for m in reversed(bot.api.sent(BUILDING_3)) if m["text"].startswith("🛒"))


async def quantities(bot: Harness, buy_id: int = 1) -> dict[str, int]:
    tally = await bot.services.groupbuys.tally(buy_id)
    return {order.household: order.quantity for order in tally.orders}


async def test_leader_opens_and_the_board_shows_how_to_order(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份 截止20:00 起订30")
    text = board(bot)["text"]
    assert text.startswith("🛒 团购 #1：蔬菜包")
    assert (
        t("zh", "gb.price", price="68.00", unit="份") in text
        and "#接龙 1" in text
        and t("zh", "gb.min_short", minimum=30, short=30, unit="份") in text
    )
    assert t("zh", "gb.deadline", time="04-10 20:00") in text


async def test_a_resident_may_not_open_a_buy(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#开团 蔬菜包 68元/份")
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")
    assert await bot.services.groupbuys.open_buys() == []


async def test_order_change_withdraw_reply_and_buttons(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    board_id = board(bot)["message_id"]
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")  # the same message again does not add
    assert await quantities(bot) == {"3-502": 2}
    await bot.send(BUILDING_3, NEIGHBOUR, "+3", reply_to=board_id)
    await bot.send(BUILDING_3, RESIDENT, "/order 1 5")
    assert await quantities(bot) == {"3-502": 5, "3-601": 3}
    await bot.press(BUILDING_3, board_id, NEIGHBOUR, "gb:+1:1")
    await bot.press(BUILDING_3, board_id, RESIDENT, "gb:-1:1")
    assert await quantities(bot) == {"3-502": 4, "3-601": 4}
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 0")
    assert await quantities(bot) == {"3-601": 4}
    await flush_board(bot)
    text = board(bot)["text"]
    assert t("zh", "gb.progress", count=1, total=4, unit="份") in text and "3-601×4" in text and "3-502" not in text


async def test_a_plus_reply_to_something_else_is_just_chatter(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    notice = await bot.send(BUILDING_3, RESIDENT, "/me")
    replies = len(bot.texts(BUILDING_3))
    await bot.send(BUILDING_3, NEIGHBOUR, "+1", reply_to=bot.last_message(BUILDING_3)["message_id"])
    assert notice and await quantities(bot) == {} and len(bot.texts(BUILDING_3)) == replies


async def test_relay_import_from_a_leader_keeps_the_unreadable_lines(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(
        BUILDING_3, LEADER, "#接龙 蔬菜包\n1. 3-502 2份\n2. 3-601 1份\n3. 5号楼1201 三份\n4. 3-702 两份\n5. 乱写一气"
    )
    assert await quantities(bot) == {"3-502": 2, "3-601": 1, "3-702": 2}
    reply = bot.last(BUILDING_3)
    assert "已导入 3 户，共 5" in reply and "5-1201" in reply and "5. 乱写一气" in reply


async def test_relay_from_a_resident_counts_only_their_own_line(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 蔬菜包\n1. 3-601 9份\n2. 3-502 2份")
    assert await quantities(bot) == {"3-502": 2}
    await bot.send(BUILDING_3, RESIDENT, "#接龙 水果\n1. 3-502 3份")
    # No buy is called 水果: the bot asks which open buy is meant instead of guessing.
    question = bot.last_message(BUILDING_3)
    assert question["text"] == t("zh", "ask.which_buy_unmatched", title="水果")
    [[button]] = question["reply_markup"]["inline_keyboard"]
    assert button["text"] == "#1 蔬菜包"
    assert await quantities(bot) == {"3-502": 2}
    await bot.press(BUILDING_3, question["message_id"], RESIDENT, button["callback_data"])
    assert await quantities(bot) == {"3-502": 3}


async def test_close_by_command_posts_the_summary_and_refuses_later_orders(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    await bot.send(BUILDING_3, NEIGHBOUR, "#截单 1")
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")
    await bot.send(BUILDING_3, LEADER, "#截单 1")
    assert bot.last(BUILDING_3).startswith("📋 团购 #1「蔬菜包」汇总（已截单）")
    assert "（已截单）" in board(bot)["text"] and board(bot).get("reply_markup") is None
    await bot.send(BUILDING_3, NEIGHBOUR, "#接龙 1 1")
    assert bot.last(BUILDING_3) == t("zh", "gb.err.closed", id=1)


async def test_a_refused_order_changes_nothing(bot):
    """The buy is checked after the order is written, in the same transaction: a refusal must undo it."""
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份 限购2")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 3")
    assert bot.last(BUILDING_3) == t("zh", "gb.err.limit", id=1, limit=2, unit="份")
    assert await quantities(bot) == {}
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 3")
    assert await quantities(bot) == {"3-502": 2}
    await bot.send(BUILDING_3, LEADER, "#截单 1")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 0")
    assert bot.last(BUILDING_3) == t("zh", "gb.err.closed", id=1)
    assert await quantities(bot) == {"3-502": 2}
    orders = await bot.services.db.fetchall("SELECT count(*) AS n FROM audit_log WHERE action = 'gb.order'")
    assert orders[0]["n"] == 1


async def test_close_at_the_deadline_and_the_deadline_survives_a_restart(config, clock):
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        await setup(bot)
        await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份 截止20:00")
        await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    deadline = datetime(2026, 4, 10, 20, 0, tzinfo=SHANGHAI)

    api2 = LocalBotApi(id_base=10_000)
    async with running(build_application(config, LocalRequest(api2), clock=clock)) as app2:
        jobs = app2.job_queue.get_jobs_by_name(close_job_name(1))
        assert len(jobs) == 1 and jobs[0].data == 1
        clock.set(deadline)
        await jobs[0].run(app2)
        jobs[0].schedule_removal()
        assert (await app2.bot_data.services.groupbuys.get(1)).status == "closed"
        assert api2.texts(BUILDING_3)[-1].startswith("📋 团购 #1「蔬菜包」汇总（已截单）")


async def test_summary_arithmetic_in_fen_with_cases_minimum_paid_and_roster(bot):
    await setup(bot)
    await bot.services.roster.import_csv("3,,501\n3,,502\n3,,503\n3,,601\n")
    await bot.send(BUILDING_3, LEADER, "#开团 光明牛奶 整箱12 每盒8.5元 起订30")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 7")
    await bot.send(BUILDING_3, NEIGHBOUR, "#接龙 1 12")
    await bot.send(BUILDING_3, LEADER, "#已付 1 3-502")
    tally = await bot.services.groupbuys.tally(1)
    assert tally.total == 19 and tally.money_fen == 19 * 850 == 16150
    assert tally.paid_fen == 5950 and tally.short_of_minimum == 11 and tally.cases == (1, 7, 5)
    await bot.send(BUILDING_3, LEADER, "#团购汇总 1")
    text = bot.last(BUILDING_3)
    assert (
        t(
            "zh",
            "gb.summary_totals",
            total=19,
            unit="盒",
            households=2,
            money="161.50",
            paid=1,
            unpaid=1,
            unpaid_money="102.00",
        )
        in text
    )
    assert t("zh", "gb.min_short", minimum=30, short=11, unit="盒") in text
    assert t("zh", "gb.case_short", size=12, full=1, short=5, unit="盒") in text
    assert "3-502 ×7盒 59.50 ✅已付" in text and "3-601 ×12盒 102.00 未付" in text
    assert "花名册中未下单的 2 户" in text and "3-501、3-503" in text


async def test_permission_and_rule_refusals(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份 限购2")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 3")
    assert bot.last(BUILDING_3) == t("zh", "gb.err.limit", id=1, limit=2, unit="份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 3-601 1")
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")
    await bot.send(BUILDING_3, LEADER, "#接龙 1 3-601 1")
    assert await quantities(bot) == {"3-601": 1}
    await bot.send(BUILDING_3, RESIDENT, "#已付 1 3-601")
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")
    await bot.send(BUILDING_3, RESIDENT, "#团购汇总 1")
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")
    await bot.send(BUILDING_3, LEADER, "#接龙 1 5-101 1")
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 9 1")
    assert bot.last(BUILDING_3) == t("zh", "gb.err.not_found", id=9)


async def test_a_burst_of_300_orders_produces_a_bounded_number_of_group_messages(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    before = len(bot.api.calls_of("sendMessage")) + len(bot.api.calls_of("editMessageText"))
    residents = [LocalUser(50_000 + i, f"居民{i}") for i in range(300)]
    for i, user in enumerate(residents):
        await bot.services.roster.register(await bot.services.roster.actor(user.id), _room(i), user_id=user.id)
    for user in residents:
        await bot.send(BUILDING_3, user, "#接龙 1 1")
    await flush_board(bot)
    group_calls = [
        call
        for call in bot.api.calls_of("sendMessage") + bot.api.calls_of("editMessageText")
        if int(call.params["chat_id"]) == BUILDING_3
    ]
    assert len(group_calls) - before <= 2
    assert t("zh", "gb.progress", count=300, total=300, unit="份") in board(bot)["text"]
    await bot.send(BUILDING_3, residents[0], "#接龙 1 2")  # after the refresh, the next order schedules another
    assert len(bot.app.job_queue.get_jobs_by_name(board_job_name(1))) == 1


def _room(i: int):
    from bot.domain.rooms import Room

    return Room(building=3, unit=9, room=100 * (i // 10 + 1) + i % 10 + 1)  # rooms nobody else lives in


async def test_export_is_a_csv_sent_privately(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    await bot.send(BUILDING_3, LEADER, "#团购汇总 1")
    summary_id = bot.last_message(BUILDING_3)["message_id"]
    await bot.press(BUILDING_3, summary_id, LEADER, "gb:csv:1")
    assert bot.api.calls_of("answerCallbackQuery")[-1].params["text"] == t("zh", "gb.export_private")
    await bot.send(LEADER.id, LEADER, "/start")
    await bot.press(BUILDING_3, summary_id, LEADER, "gb:csv:1")
    document = bot.api.sent(LEADER.id)[-1]
    rows = list(csv.reader(io.StringIO(document["local_file"].decode("utf-8-sig"))))
    assert rows == [
        ["building", "unit", "room", "household", "quantity", "unit_price_yuan", "due_yuan", "paid"],
        ["3", "", "502", "3-502", "2", "68.00", "136.00", "no"],
    ]
    await bot.press(BUILDING_3, summary_id, RESIDENT, "gb:csv:1")  # a forged press
    assert bot.api.calls_of("answerCallbackQuery")[-1].params["text"] == t("zh", "refused.leader")


async def test_a_deadline_passed_while_down_closes_at_start(config, clock):
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        await setup(bot)
        await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份 截止20:00")
    clock.set(datetime(2026, 4, 11, 8, 0, tzinfo=SHANGHAI))  # the bot was down over the deadline
    api2 = LocalBotApi(id_base=10_000)
    summary = "📋 团购 #1「蔬菜包」汇总（已截单）"
    async with running(build_application(config, LocalRequest(api2), clock=clock)) as app2:
        for _ in range(500):  # up to 10 s on a loaded machine; it is usually at once
            if any(text.startswith(summary) for text in api2.texts(BUILDING_3)):
                break
            await asyncio.sleep(0.02)
        assert (await app2.bot_data.services.groupbuys.get(1)).status == "closed"
        assert any(text.startswith(summary) for text in api2.texts(BUILDING_3))


async def test_an_announcement_as_pasted_from_wechat_opens_the_buy_with_its_terms(bot):
    await setup(bot)
    await bot.send(
        BUILDING_3,
        LEADER,
        "各位邻居大家好！\n#开团 鸡蛋 30枚/盒 35元 后天上午10点截团 满30份发车 每户限购2盒\n自提点：3号楼门口",
    )
    [buy] = await bot.services.groupbuys.open_buys()
    assert (buy.title, buy.spec, buy.price_fen, buy.unit) == ("鸡蛋", "30枚/盒", 3500, "盒")
    assert (buy.deadline, buy.minimum, buy.max_each) == (datetime(2026, 4, 12, 10, 0, tzinfo=SHANGHAI), 30, 2)
    text = board(bot)["text"]
    assert text.startswith("🛒 团购 #1：鸡蛋 30枚/盒") and t("zh", "gb.pickup", pickup="3号楼门口") in text


async def test_a_relay_finds_its_buy_by_item_name_spec_ignored(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 鸡蛋 30枚/盒 35元")
    await bot.send(BUILDING_3, LEADER, "#接龙 鸡蛋\n1. 3-502 2盒\n2. 王伯伯 3-601 1盒 已付")
    assert await quantities(bot) == {"3-502": 2, "3-601": 1}
    await bot.send(BUILDING_3, RESIDENT, "#接龙 鸡蛋 3-502 3盒")  # one line naming the buy by its item
    assert await quantities(bot) == {"3-502": 3, "3-601": 1}
    paid = {o.household: o.paid for o in (await bot.services.groupbuys.tally(1)).orders}
    assert paid == {"3-502": False, "3-601": True}  # the leader's relay line said 已付


async def test_a_residents_trailing_paid_is_kept_for_the_leader_to_confirm(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2份 已付")
    assert await quantities(bot) == {"3-502": 2}
    assert bot.last(BUILDING_3) == t("zh", "gb.paid_unconfirmed", id=1, household="3-502")
    assert not (await bot.services.groupbuys.tally(1)).orders[0].paid
    await bot.send(BUILDING_3, LEADER, "#接龙 1 3-601 1 已付")
    assert {o.household: o.paid for o in (await bot.services.groupbuys.tally(1)).orders}["3-601"]


async def test_a_relay_stays_in_its_buildings_buys(bot):
    await setup(bot)
    await bot.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")
    await bot.send(BUILDING_5, COMMITTEE, "#开团 蔬菜包 68元/份")  # building 5's buy, #1
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#开团 蔬菜包 60元/份")  # everyone's, #2
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 58元/份")  # building 3's, #3
    await bot.send(BUILDING_3, LEADER, "#接龙 蔬菜包\n1. 3-502 2份")
    assert await quantities(bot, 3) == {"3-502": 2}
    assert await quantities(bot, 1) == {} and await quantities(bot, 2) == {}


async def test_a_relay_goes_to_the_committees_buy_when_the_building_has_none(bot):
    await setup(bot)
    await bot.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")
    await bot.send(BUILDING_5, COMMITTEE, "#开团 蔬菜包 68元/份")  # building 5's, #1
    await bot.send(COMMITTEE_CHAT, COMMITTEE, "#开团 蔬菜包 60元/份")  # everyone's, #2
    await bot.send(BUILDING_3, LEADER, "#接龙 蔬菜包\n1. 3-502 2份")
    assert await quantities(bot, 2) == {"3-502": 2}
    assert await quantities(bot, 1) == {}


async def test_two_buys_that_could_match_are_asked_about_and_only_the_sender_may_answer(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 鸡蛋 30枚/盒 35元/盒")
    await bot.send(BUILDING_3, LEADER, "#开团 土鸡蛋 20枚/盒 40元/盒")
    await bot.send(BUILDING_3, LEADER, "#接龙 鸡蛋\n1. 3-502 2盒")
    question = bot.last_message(BUILDING_3)
    assert question["text"] == t("zh", "ask.which_buy")
    buttons = [row[0] for row in question["reply_markup"]["inline_keyboard"]]
    assert [b["text"] for b in buttons] == ["#1 鸡蛋 30枚/盒", "#2 土鸡蛋 20枚/盒"]
    await bot.press(BUILDING_3, question["message_id"], RESIDENT, buttons[1]["callback_data"])
    assert await quantities(bot, 2) == {}  # not the sender's question
    await bot.press(BUILDING_3, question["message_id"], LEADER, buttons[1]["callback_data"])
    assert await quantities(bot, 2) == {"3-502": 2}
    await bot.press(BUILDING_3, question["message_id"], LEADER, buttons[0]["callback_data"])
    assert await quantities(bot, 1) == {}  # answered once: a second press changes nothing


async def test_an_answer_button_only_acts_from_its_own_message(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 鸡蛋 35元/盒")
    await bot.send(BUILDING_3, LEADER, "#开团 土鸡蛋 40元/盒")
    await bot.send(BUILDING_3, LEADER, "#接龙 鸡蛋\n1. 3-502 2盒")
    question = bot.last_message(BUILDING_3)
    data = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await bot.press(BUILDING_3, board(bot)["message_id"], LEADER, data)  # forged onto the board
    assert await quantities(bot, 1) == {}


def question_buttons(message: dict) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row}


async def test_a_guessed_deadline_is_asked_about_before_the_buy_opens(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 青菜包 58元/份 8点截单")  # said at 09:00: 20:00 is a guess
    assert await bot.services.groupbuys.open_buys() == []
    question = bot.last_message(BUILDING_3)
    assert question["text"] == t("zh", "ask.deadline", title="青菜包", when="今天 20:00")
    buttons = question_buttons(question)
    await bot.press(BUILDING_3, question["message_id"], RESIDENT, buttons["✅ 对"])
    assert await bot.services.groupbuys.open_buys() == []  # only the leader who asked may answer
    await bot.press(BUILDING_3, question["message_id"], LEADER, buttons["✅ 对"])
    [buy] = await bot.services.groupbuys.open_buys()
    assert (buy.title, buy.deadline) == ("青菜包", datetime(2026, 4, 10, 20, 0, tzinfo=SHANGHAI))
    assert t("zh", "gb.deadline", time="04-10 20:00") in board(bot)["text"]


async def test_a_deadline_that_cannot_be_read_is_asked_for_and_a_reply_gives_it(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份 截止25:00")
    question = bot.last_message(BUILDING_3)
    assert "「蔬菜包」的截团时间「截止25:00」没看懂" in question["text"]
    await bot.send(BUILDING_3, LEADER, "随便吧", reply_to=question["message_id"])
    assert bot.last(BUILDING_3).startswith("这个时间没看懂")
    assert await bot.services.groupbuys.open_buys() == []
    await bot.send(BUILDING_3, LEADER, "明天晚上8点", reply_to=question["message_id"])
    [buy] = await bot.services.groupbuys.open_buys()
    assert buy.deadline == datetime(2026, 4, 11, 20, 0, tzinfo=SHANGHAI)


async def test_change_then_reply_and_no_deadline_at_all(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 青菜包 58元/份 8点截单")
    question = bot.last_message(BUILDING_3)
    await bot.press(BUILDING_3, question["message_id"], LEADER, question_buttons(question)["✏️ 改时间"])
    assert bot.last(BUILDING_3) == t("zh", "ask.deadline_reply", title="青菜包")
    await bot.send(BUILDING_3, LEADER, "明早8点", reply_to=question["message_id"])
    [buy] = await bot.services.groupbuys.open_buys()
    assert buy.deadline == datetime(2026, 4, 11, 8, 0, tzinfo=SHANGHAI)

    await bot.send(BUILDING_3, LEADER, "#开团 牛奶 8.5元/盒 截团时间待定")
    question = bot.last_message(BUILDING_3)
    await bot.press(BUILDING_3, question["message_id"], LEADER, question_buttons(question)["不设截团时间"])
    milk = (await bot.services.groupbuys.open_buys())[-1]
    assert (milk.title, milk.deadline) == ("牛奶", None)


async def test_editing_the_message_while_the_question_waits_replaces_it(bot):
    await setup(bot)
    sent = await bot.send(BUILDING_3, LEADER, "#开团 青菜包 58元/份 8点截单")
    question = bot.last_message(BUILDING_3)
    await bot.edit(BUILDING_3, sent["message"]["message_id"], "#开团 青菜包 58元/份 晚上8点截单")
    [buy] = await bot.services.groupbuys.open_buys()
    assert buy.deadline == datetime(2026, 4, 10, 20, 0, tzinfo=SHANGHAI)
    await bot.press(BUILDING_3, question["message_id"], LEADER, question_buttons(question)["✅ 对"])
    assert len(await bot.services.groupbuys.open_buys()) == 1  # the old question opens nothing more


async def test_a_resident_is_refused_before_any_question(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#开团 青菜包 58元/份 8点截单")
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")


async def test_an_edited_order_or_relay_sets_what_it_now_says(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    order = await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    await bot.edit(BUILDING_3, order["message"]["message_id"], "#接龙 1 3")
    assert await quantities(bot) == {"3-502": 3}
    relay = await bot.send(BUILDING_3, LEADER, "#接龙 蔬菜包\n1. 3-601 1份")
    await bot.edit(BUILDING_3, relay["message"]["message_id"], "#接龙 蔬菜包\n1. 3-601 2份\n2. 3-702 1份")
    assert await quantities(bot) == {"3-502": 3, "3-601": 2, "3-702": 1}


async def test_closing_below_the_minimum_asks_and_a_called_off_buy_owes_nothing(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份 起订30")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    await bot.send(BUILDING_3, LEADER, "#已付 1 3-502")
    await bot.send(BUILDING_3, LEADER, "#截单 1")
    question = bot.last_message(BUILDING_3)
    assert question["text"] == t("zh", "ask.close_short", id=1, title="蔬菜包", short=28, unit="份")
    assert (await bot.services.groupbuys.get(1)).status == "open"
    buttons = question_buttons(question)
    await bot.press(BUILDING_3, question["message_id"], LEADER, buttons["继续接龙"])
    assert (await bot.services.groupbuys.get(1)).status == "open"

    await bot.send(BUILDING_3, LEADER, "#截单 1")
    question = bot.last_message(BUILDING_3)
    await bot.press(
        BUILDING_3, question["message_id"], LEADER, question_buttons(question)["取消本团（未成团，不收款）"]
    )
    assert (await bot.services.groupbuys.get(1)).status is BuyStatus.CALLED_OFF
    summary = bot.last(BUILDING_3)
    assert "未成团" in summary and "3-502 ×2份 0.00 已付 2份，应退 136.00 元" in summary
    digest = await bot.services.reports.digest()
    assert digest.total.unpaid_fen == 0


async def test_a_buy_closed_at_its_deadline_below_the_minimum_says_so_and_the_leader_may_call_it_off(bot, clock):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份 截止20:00 起订30")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    clock.set(datetime(2026, 4, 10, 20, 0, 1, tzinfo=SHANGHAI))
    for job in bot.app.job_queue.get_jobs_by_name(close_job_name(1)):
        await job.run(bot.app)
    summary = bot.last_message(BUILDING_3)
    assert "未达起订量（还差 28 份）" in summary["text"]
    [[button]] = summary["reply_markup"]["inline_keyboard"]
    await bot.press(BUILDING_3, summary["message_id"], RESIDENT, button["callback_data"])
    assert not (await bot.services.groupbuys.get(1)).called_off  # only the leader may
    await bot.press(BUILDING_3, summary["message_id"], LEADER, button["callback_data"])
    assert (await bot.services.groupbuys.get(1)).called_off


async def test_an_order_changed_after_paying_shows_what_is_still_to_pay_or_refund(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    await bot.send(BUILDING_3, NEIGHBOUR, "#接龙 1 2")
    await bot.send(BUILDING_3, LEADER, "#已付 1 3-502")
    await bot.send(BUILDING_3, LEADER, "#已付 1 3-601")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 3")
    await bot.send(BUILDING_3, NEIGHBOUR, "#接龙 1 0")
    await bot.send(BUILDING_3, LEADER, "#团购汇总 1")
    summary = bot.last(BUILDING_3)
    assert "3-502 ×3份 204.00 已付 2份，还需补 68.00 元" in summary
    assert "3-601 ×0份 0.00 已付 2份，应退 136.00 元" in summary
    await bot.send(BUILDING_3, LEADER, "#已付 1 3-502")  # the leader took the 68 yuan
    await bot.send(BUILDING_3, LEADER, "#团购汇总 1")
    assert "3-502 ×3份 204.00 ✅已付" in bot.last(BUILDING_3)


async def test_a_quantity_far_above_the_usual_is_asked_about_once(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, NEIGHBOUR, "#接龙 1 1")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 100")
    question = bot.last_message(BUILDING_3)
    assert question["text"] == t("zh", "ask.quantity", id=1, title="蔬菜包", quantity=100, unit="份")
    assert await quantities(bot) == {"3-601": 1}
    await bot.press(BUILDING_3, question["message_id"], RESIDENT, question_buttons(question)["✖ 不对"])
    assert await quantities(bot) == {"3-601": 1}
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 12")
    question = bot.last_message(BUILDING_3)
    await bot.press(BUILDING_3, question["message_id"], RESIDENT, question_buttons(question)["✅ 对"])
    assert await quantities(bot) == {"3-502": 12, "3-601": 1}
    await bot.send(BUILDING_3, NEIGHBOUR, "#接龙 1 3")  # an ordinary quantity is never asked about
    assert await quantities(bot) == {"3-502": 12, "3-601": 3}


async def test_an_order_naming_the_buy_by_its_item_is_the_senders_own(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 鸡蛋 30枚/盒 35元")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 鸡蛋 两盒")
    await bot.send(BUILDING_3, NEIGHBOUR, "3-601 #接龙 1 1")  # the room written before the tag
    assert await quantities(bot) == {"3-502": 2, "3-601": 1}


async def test_a_phone_in_a_pasted_relay_is_never_repeated_in_the_group(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(
        BUILDING_3,
        LEADER,
        "#接龙 蔬菜包\n1. 3-502 2份\n2. 3-601 1份 电话13912345678\n3. 王伯伯 139 1234 5678 长宁路100弄",
    )
    assert await quantities(bot) == {"3-502": 2}
    assert "3. 王伯伯 *** 长宁路100弄" in bot.last(BUILDING_3)  # listed back, without the number
    assert not any("5678" in text for text in bot.texts(BUILDING_3))


async def test_an_order_is_answered_at_once_and_a_rush_is_acknowledged_by_the_board(bot, clock):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    assert bot.last(BUILDING_3) == t("zh", "gb.ordered", id=1, household="3-502", quantity=2)
    before = len(bot.texts(BUILDING_3))
    await bot.send(BUILDING_3, NEIGHBOUR, "#接龙 1 1")  # a second within 30 s: the board's next edit
    assert len(bot.texts(BUILDING_3)) == before
    await flush_board(bot)
    assert "3-601×1" in board(bot)["text"]
    clock.set(datetime(2026, 4, 10, 9, 1, tzinfo=SHANGHAI))
    await bot.send(BUILDING_3, NEIGHBOUR, "#接龙 1 3")
    assert bot.last(BUILDING_3) == t("zh", "gb.ordered", id=1, household="3-601", quantity=3)


async def test_orders_that_come_while_the_board_waits_on_telegram_are_shown_an_interval_later(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    [job] = bot.app.job_queue.get_jobs_by_name(board_job_name(1))
    held = bot.api.hold(BUILDING_3)  # the group has used up its sends for the minute
    refreshing = asyncio.create_task(job.run(bot.app))
    await asyncio.sleep(0.05)
    for quantity in (3, 1):  # a rush while the edit waits
        await bot.services.groupbuys.order(await bot.services.roster.actor(NEIGHBOUR.id), 1, quantity)
        schedule_board(bot.app, 1)  # as the order's handler does
    edits = len(bot.api.calls_of("editMessageText"))
    held.set()
    await asyncio.wait_for(refreshing, 5)
    # One edit, not another at once: the rush is shown by the next refresh, an interval on.
    assert len(bot.api.calls_of("editMessageText")) == edits + 1
    [again] = bot.app.job_queue.get_jobs_by_name(board_job_name(1))
    assert again.next_t is not None
    await again.run(bot.app)
    assert "3-601×1" in board(bot)["text"] and len(bot.api.calls_of("editMessageText")) == edits + 2


@pytest.mark.parametrize(
    ("code", "description", "times", "parameters"),
    [
        (502, "Bad Gateway", 1, None),
        (0, "", 1, None),  # a timeout
        (429, "Too Many Requests: retry after 1", 4, {"retry_after": 1}),  # past the limiter's 3 retries
    ],
    ids=["502", "timeout", "429"],
)
async def test_a_board_edit_telegram_did_not_take_is_tried_again_without_another_order(
    bot, code, description, times, parameters
):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")  # shown by the board's next edit
    edits = len(bot.api.calls_of("editMessageText"))
    bot.api.fail("editMessageText", code, description, parameters=parameters, chat_id=BUILDING_3, times=times)

    def refused_and_scheduled_again() -> bool:
        refused = len(bot.api.calls_of("editMessageText")) == edits + times
        return refused and bool(bot.app.job_queue.get_jobs_by_name(board_job_name(1)))

    [job] = bot.app.job_queue.get_jobs_by_name(board_job_name(1))
    job.job.modify(next_run_time=datetime.now(UTC))  # run by the scheduler, which takes it off its list
    await until(refused_and_scheduled_again)
    assert "3-502×2" not in board(bot)["text"]

    [retry] = bot.app.job_queue.get_jobs_by_name(board_job_name(1))
    await retry.run(bot.app)  # its back-off over, with no order since
    assert "3-502×2" in board(bot)["text"]
