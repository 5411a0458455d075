"""Every message that looks meant for the bot gets an answer: near-miss tags, a +1 replying to
nothing, a group's command sent in private, a buy number that cannot be read; a short /help per
role with a button per topic; English without 1 items."""

from bot.texts.i18n import t
from tests.harness import BUILDING_3, COMMITTEE, ENGLISH_RESIDENT, RESIDENT, LocalUser

LEADER = LocalUser(2001, "楼长老陈")


async def setup(bot) -> None:
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    said = await bot.send(BUILDING_3, LEADER, "大家好")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")


async def test_near_miss_tags_are_asked_about_and_nothing_is_done(bot):
    await setup(bot)
    for typo, tag, command in (
        ("#配要 布洛芬 2盒", "配药", "med"),
        ("#接隆 1 2", "接龙", "order"),
        ("#开团购 蔬菜包 68元/份", "开团", "groupbuy"),
        ("#med1cine ibuprofen 2", "配药", "med"),
    ):
        await bot.send(BUILDING_3, LEADER, typo)
        assert bot.last(BUILDING_3) == t("zh", "parse.near_miss", tag=tag, command=command)
    await bot.send(BUILDING_3, ENGLISH_RESIDENT, "#配要 布洛芬")
    assert bot.last(BUILDING_3) == "Did you mean /med? (#配药)"
    assert await bot.services.groupbuys.open_buys() == []
    assert (await bot.services.db.fetchall("SELECT count(*) AS n FROM med_requests"))[0]["n"] == 0


async def test_a_plus_one_replying_to_nothing_says_how_to_order(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "+1")
    assert bot.last(BUILDING_3) == t("zh", "order.stray")
    said = await bot.send(BUILDING_3, RESIDENT, "明天几点核酸？")
    before = len(bot.texts(BUILDING_3))
    await bot.send(BUILDING_3, LEADER, "+1", reply_to=said["message"]["message_id"])  # agreeing with someone
    assert len(bot.texts(BUILDING_3)) == before


async def test_a_usage_error_for_a_buy_number_lists_the_open_buys(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")
    await bot.send(BUILDING_3, LEADER, "#开团 鸡蛋 35元/盒")
    await bot.send(BUILDING_3, RESIDENT, "#接龙 两")
    answer = bot.last(BUILDING_3)
    assert answer.startswith("没看懂这条指令。正确格式：\n#接龙 3 2")
    assert answer.endswith("进行中的团购：#1 蔬菜包、#2 鸡蛋")


async def test_a_groups_command_sent_in_private_says_where_to_send_it(bot):
    await setup(bot)
    await bot.send(LEADER.id, LEADER, "#开团 蔬菜包 68元/份")
    assert bot.last(LEADER.id) == "这个指令要在楼组群里发：" + t("zh", "usage.groupbuy")
    await bot.send(RESIDENT.id, RESIDENT, "/approve")
    assert bot.last(RESIDENT.id).startswith("这个指令要在楼组群里发：")
    assert await bot.services.groupbuys.open_buys() == []


async def test_help_is_short_for_the_askers_role_with_a_button_per_topic(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "/help")
    help_message = bot.last_message(BUILDING_3)
    assert t("zh", "help.short.resident") in help_message["text"] and len(help_message["text"].splitlines()) <= 10
    buttons = [b["text"] for row in help_message["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["配药", "团购", "志愿者", "关爱", "通知"]
    await bot.send(BUILDING_3, LEADER, "#帮助")
    assert "#开团" in bot.last(BUILDING_3) and "#配药 布洛芬" not in bot.last(BUILDING_3)

    await bot.press(BUILDING_3, help_message["message_id"], ENGLISH_RESIDENT, "help:gb")
    edited = next(m for m in bot.api.sent(BUILDING_3) if m["message_id"] == help_message["message_id"])
    assert edited["text"] == t("en", "help.groupbuy") and "68/box" in edited["text"]


async def test_english_counts_one_item_and_many_items(bot):
    assert t("en", "med.summary", urgent="", id=1, household="3-502", count=1).endswith("· 1 item")
    assert t("en", "med.summary", urgent="", id=1, household="3-502", count=2).endswith("· 2 items")
    await bot.send(BUILDING_3, ENGLISH_RESIDENT, "/register 3-601")
    await bot.send(BUILDING_3, ENGLISH_RESIDENT, "/med ibuprofen 2 boxes")
    assert "1 item" in "\n".join(bot.texts()) and "1 items" not in "\n".join(bot.texts())
