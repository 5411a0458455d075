"""Changing a running buy (#改团) and re-opening a closed one (#再开团), end to end."""

from datetime import UTC, datetime, timedelta

from bot.texts.i18n import t
from handlers.groupbuys import board_job_name, close_job_name
from tests.conftest import SHANGHAI
from tests.harness import BUILDING_3, NEIGHBOUR, RESIDENT
from tests.test_groupbuys import LEADER, board, flush_board, quantities, question_buttons, setup

OPENING = "#开团 蔬菜包 68元/份 截止20:00 起订30 限购5"


async def open_with_orders(bot) -> None:
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, OPENING)
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 2")
    await bot.send(BUILDING_3, NEIGHBOUR, "#接龙 1 3")


async def test_the_leader_changes_every_term_at_once_orders_kept_and_the_group_told_once(bot):
    await open_with_orders(bot)
    sent = len(bot.api.sent(BUILDING_3))
    await bot.send(BUILDING_3, LEADER, "#改团 1 价格 60元 截团 明晚8点 起订 20 限购 3")
    assert len(bot.api.sent(BUILDING_3)) == sent + 1  # one message; the board is edited in place
    assert bot.last(BUILDING_3) == (
        "团购 #1 蔬菜包 条件已更改（已接龙的都保留）：\n"
        "单价 68.00 → 60.00 元/份\n截止 04-10 20:00 → 04-11 20:00\n起订 30 → 20\n每户限购 5 → 3"
    )
    assert await quantities(bot) == {"3-502": 2, "3-601": 3}
    text = board(bot)["text"]
    assert (
        t("zh", "gb.price", price="60.00", unit="份") in text
        and t("zh", "gb.deadline", time="04-11 20:00") in text
        and t("zh", "gb.min_short", minimum=20, short=15, unit="份") in text
    )
    assert t("zh", "gb.limit", limit=3, unit="份") in text
    tally = await bot.services.groupbuys.tally(1)
    assert tally.money_fen == 5 * 6000


async def test_each_term_alone_in_both_languages(bot):
    await open_with_orders(bot)
    for text, line in [
        ("#改团 1 价格 30元", "单价 68.00 → 30.00 元/份"),
        ("#改团 1 起订 20", "起订 30 → 20"),
        ("#改团 1 限购 2", "每户限购 5 → 2"),
        ("/editbuy 1 deadline tomorrow 20:00", "截止 04-10 20:00 → 04-11 20:00"),
    ]:
        await bot.send(BUILDING_3, LEADER, text)
        assert bot.last(BUILDING_3).split("\n")[1:] == [line]
    buy = await bot.services.groupbuys.get(1)
    assert (buy.price_fen, buy.minimum, buy.max_each) == (3000, 20, 2)
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 3")  # the new limit holds
    assert await quantities(bot) == {"3-502": 2, "3-601": 3}


async def test_a_guessed_deadline_is_asked_about_before_the_change(bot):
    await open_with_orders(bot)
    await bot.send(BUILDING_3, LEADER, "#改团 1 截团 9点")  # said at 09:00: 21:00 is a guess
    question = bot.last_message(BUILDING_3)
    assert question["text"] == t("zh", "ask.deadline", title="蔬菜包", when="今天 21:00")
    assert (await bot.services.groupbuys.get(1)).deadline == datetime(2026, 4, 10, 20, 0, tzinfo=SHANGHAI)
    await bot.press(BUILDING_3, question["message_id"], RESIDENT, question_buttons(question)["✅ 对"])
    assert (await bot.services.groupbuys.get(1)).deadline.astimezone(SHANGHAI).hour == 20  # only the asker answers
    await bot.press(BUILDING_3, question["message_id"], LEADER, question_buttons(question)["✅ 对"])
    assert (await bot.services.groupbuys.get(1)).deadline == datetime(2026, 4, 10, 21, 0, tzinfo=SHANGHAI)
    assert bot.last(BUILDING_3).endswith("截止 04-10 20:00 → 04-10 21:00")


async def test_an_unread_deadline_is_asked_for_and_can_be_kept(bot):
    await open_with_orders(bot)
    await bot.send(BUILDING_3, LEADER, "#改团 1 价格 60元 截团 等通知")
    question = bot.last_message(BUILDING_3)
    assert "「蔬菜包」的截团时间「截团 等通知」没看懂" in question["text"]
    await bot.press(BUILDING_3, question["message_id"], LEADER, question_buttons(question)["截团时间不变"])
    buy = await bot.services.groupbuys.get(1)
    assert (buy.price_fen, buy.deadline) == (6000, datetime(2026, 4, 10, 20, 0, tzinfo=SHANGHAI))

    await bot.send(BUILDING_3, LEADER, "#改团 1 截团 等通知")
    question = bot.last_message(BUILDING_3)
    await bot.send(BUILDING_3, LEADER, "明天晚上8点", reply_to=question["message_id"])
    assert (await bot.services.groupbuys.get(1)).deadline == datetime(2026, 4, 11, 20, 0, tzinfo=SHANGHAI)


async def test_a_resident_is_refused_with_what_to_do_and_nothing_changes(bot):
    await open_with_orders(bot)
    await bot.send(BUILDING_3, RESIDENT, "#改团 1 价格 1元")
    assert bot.last(BUILDING_3) == t("zh", "refused.leader")
    await bot.send(BUILDING_3, RESIDENT, "#改团 1 截团 8点")  # refused before any question
    assert bot.last(BUILDING_3).startswith("只有本楼楼组长或居委")
    assert (await bot.services.groupbuys.get(1)).price_fen == 6800


async def test_a_later_deadline_moves_the_closing_job(bot):
    await open_with_orders(bot)
    await bot.send(BUILDING_3, LEADER, "#改团 1 截团 明晚8点")
    [job] = bot.app.job_queue.get_jobs_by_name(close_job_name(1))
    # the clock says 09:00: the old deadline was 11 hours away, the new one is 35
    assert job.next_t - datetime.now(UTC) > timedelta(hours=34)
    await bot.send(BUILDING_3, RESIDENT, "#接龙 1 4")
    assert await quantities(bot) == {"3-502": 4, "3-601": 3}


async def test_a_closed_buy_is_reopened_as_a_new_buy_with_the_same_terms(bot):
    await open_with_orders(bot)
    await bot.send(BUILDING_3, LEADER, "#截单 1")
    question = bot.last_message(BUILDING_3)  # below the minimum: close anyway
    await bot.press(BUILDING_3, question["message_id"], LEADER, question_buttons(question)["仍然截单（按实际数量）"])
    await bot.send(BUILDING_3, LEADER, "/reopen 1")
    first, second = await bot.services.groupbuys.get(1), await bot.services.groupbuys.get(2)
    assert first.status == "closed" and second.status == "open"
    assert (second.title, second.price_fen, second.deadline, second.minimum, second.max_each) == (
        "蔬菜包",
        6800,
        first.deadline,
        30,
        5,
    )
    assert board(bot)["text"].startswith("🛒 团购 #2：蔬菜包")
    assert await quantities(bot, 2) == {}
    await bot.send(BUILDING_3, RESIDENT, "#接龙 2 1")
    assert await quantities(bot, 2) == {"3-502": 1}


async def test_reopening_after_the_deadline_asks_for_the_new_one(bot, clock):
    await open_with_orders(bot)
    clock.set(datetime(2026, 4, 11, 21, 0, tzinfo=SHANGHAI))  # a day and an hour after the deadline
    await bot.send(BUILDING_3, LEADER, "#再开团 1")
    question = bot.last_message(BUILDING_3)
    assert question["text"] == t("zh", "ask.deadline", title="蔬菜包", when="明天 20:00")
    await bot.press(BUILDING_3, question["message_id"], LEADER, question_buttons(question)["✅ 对"])
    buy = await bot.services.groupbuys.get(2)
    assert (buy.status, buy.deadline) == ("open", datetime(2026, 4, 12, 20, 0, tzinfo=SHANGHAI))


async def test_reopening_an_open_buy_is_refused_with_a_short_line(bot):
    await open_with_orders(bot)
    await bot.send(BUILDING_3, LEADER, "#再开团 1")
    assert bot.last(BUILDING_3) == t("zh", "gb.err.reopen_open", id=1)
    assert len(await bot.services.groupbuys.open_buys()) == 1


async def test_a_price_changed_after_a_household_paid_shows_what_is_still_owed_not_a_new_payment(bot):
    await open_with_orders(bot)  # 3-502 ×2, 3-601 ×3 at 68 元
    await bot.send(BUILDING_3, LEADER, "#已付 1 3-502")  # 136 元 paid
    await bot.send(BUILDING_3, LEADER, "#改团 1 价格 75元")
    tally = await bot.services.groupbuys.tally(1)
    assert tally.paid_fen == 13600  # what was paid, not 2 × 75
    await bot.send(BUILDING_3, LEADER, "#团购汇总 1")
    assert t("zh", "gb.paid_topup", paid=2, unit="份", money="14.00") in bot.last(BUILDING_3)
    digest = await bot.services.reports.digest()
    building = next(f for f in digest.buildings if f.building == 3)
    assert building.unpaid_fen == 1400 + 3 * 7500  # the top-up and the unpaid order

    await bot.send(BUILDING_3, LEADER, "#改团 1 价格 60元")
    await bot.send(BUILDING_3, LEADER, "#团购汇总 1")
    assert t("zh", "gb.paid_refund", paid=2, unit="份", money="16.00") in bot.last(BUILDING_3)


async def test_a_changed_buys_board_edit_telegram_did_not_take_is_tried_again(bot):
    await open_with_orders(bot)
    await flush_board(bot)  # nothing else pending
    bot.api.fail("editMessageText", 502, "Bad Gateway", chat_id=BUILDING_3, times=1)
    await bot.send(BUILDING_3, LEADER, "#改团 1 价格 60元")
    assert t("zh", "gb.price", price="68.00", unit="份") in board(bot)["text"]  # Telegram did not take the edit
    [retry] = bot.app.job_queue.get_jobs_by_name(board_job_name(1))
    await retry.run(bot.app)
    assert t("zh", "gb.price", price="60.00", unit="份") in board(bot)["text"]
