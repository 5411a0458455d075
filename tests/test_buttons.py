"""Buttons act only from their own message (issue 17): a press forged onto another message or chat,
with data never sent, or of a button edited away is answered that the button no longer works and
changes nothing; real presses work, also after a restart."""

from datetime import timedelta

from bot.runtime.app import build_application, running
from bot.runtime.localapi import LocalBotApi, LocalRequest
from bot.texts.i18n import t
from storage import buttons
from tests.harness import BUILDING_3, BUILDING_5, COMMITTEE, NEIGHBOUR, RESIDENT, Harness, LocalUser

LEADER = LocalUser(2001, "楼长老陈")
GONE = t("zh", "button.gone")


async def setup(bot: Harness) -> None:
    """Building 3 with its leader, two households and buy #1's board; building 5 bound too."""
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    said = await bot.send(BUILDING_3, LEADER, "大家好")
    await bot.send(BUILDING_3, COMMITTEE, "#楼组长", reply_to=said["message"]["message_id"])
    await bot.send(BUILDING_5, COMMITTEE, "#绑定 5号楼")
    for user, room in ((RESIDENT, "3-502"), (NEIGHBOUR, "3-601")):
        await bot.send(BUILDING_3, user, f"#登记 {room}")
        await bot.send(user.id, user, "/start")
    await bot.send(BUILDING_3, LEADER, "#开团 蔬菜包 68元/份")


def board(bot: Harness) -> dict:
    return next(m for m in reversed(bot.api.sent(BUILDING_3)) if m["text"].startswith("🛒"))


def private_list(bot: Harness, user: LocalUser = RESIDENT) -> dict:
    return next(m for m in reversed(bot.api.sent(user.id)) if m.get("reply_markup"))


def buttons_of(message: dict) -> dict[str, str]:
    return {b["text"]: b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row}


def clock_now(bot: Harness):
    return bot.services.clock.now()


def last_popup(bot: Harness) -> dict:
    return bot.api.calls_of("answerCallbackQuery")[-1].params


async def quantities(bot: Harness) -> dict[str, int]:
    tally = await bot.services.groupbuys.tally(1)
    return {order.household: order.quantity for order in tally.orders}


async def test_a_medicine_press_forged_onto_the_groups_board_is_refused_and_the_board_keeps_its_text(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬缓释胶囊 2盒")
    shown = board(bot)
    await bot.press(BUILDING_3, shown["message_id"], RESIDENT, "med:cancel:1")
    assert (last_popup(bot)["text"], last_popup(bot)["show_alert"]) == (GONE, True)
    assert bot.api.messages[(BUILDING_3, shown["message_id"])] == shown  # not edited into the list
    assert not any("布洛芬" in text for text in bot.texts(BUILDING_3))
    assert (await bot.services.medicine.get(1)).status == "pending"
    listing = private_list(bot)  # the real ✅, in the private list, works and edits that list
    await bot.press(RESIDENT.id, listing["message_id"], RESIDENT, buttons_of(listing)["✅ 确认"])
    assert (await bot.services.medicine.get(1)).status == "open"
    assert bot.api.messages[(RESIDENT.id, listing["message_id"])]["text"] != listing["text"]


async def test_even_past_the_guard_a_medicine_press_in_a_group_never_shows_the_list_there(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬缓释胶囊 2盒")
    shown = board(bot)
    await bot.services.db.write(  # as if the board carried ✖ (a guard that failed)
        lambda conn: buttons.carry(conn, BUILDING_3, shown["message_id"], ["med:cancel:1"], clock_now(bot))
    )
    await bot.press(BUILDING_3, shown["message_id"], RESIDENT, "med:cancel:1")
    assert not any("布洛芬" in text for text in bot.texts(BUILDING_3))
    assert (await bot.services.medicine.get(1)).status == "pending"


async def test_a_press_carried_by_a_message_of_another_chat_is_refused(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬缓释胶囊 2盒")
    elsewhere = bot.last_message(BUILDING_5)  # the bot's answer to building 5's binding
    await bot.press(BUILDING_5, elsewhere["message_id"], NEIGHBOUR, buttons_of(board(bot))["+1"])
    assert last_popup(bot)["text"] == GONE
    await bot.press(BUILDING_3, board(bot)["message_id"], RESIDENT, buttons_of(private_list(bot))["✅ 确认"])
    assert last_popup(bot)["text"] == GONE
    assert await quantities(bot) == {}
    assert (await bot.services.medicine.get(1)).status == "pending"
    assert bot.api.messages[(BUILDING_5, elsewhere["message_id"])] == elsewhere
    await bot.press(BUILDING_3, board(bot)["message_id"], NEIGHBOUR, buttons_of(board(bot))["+1"])
    assert await quantities(bot) == {"3-601": 1}  # the board's own +1 works


async def test_data_never_sent_is_refused(bot):
    await setup(bot)
    board_id = board(bot)["message_id"]
    for forged in ("gb:+1:99", "gb:csv:1", "nonsense"):
        await bot.press(BUILDING_3, board_id, LEADER, forged)
        assert last_popup(bot)["text"] == GONE, forged
    assert [m for m in bot.api.sent(LEADER.id) if m.get("document")] == []  # no CSV went out
    assert await quantities(bot) == {}


async def test_a_button_edited_away_cannot_be_replayed(bot):
    await setup(bot)
    await bot.send(BUILDING_3, LEADER, "#开团 青菜包 58元/份 8点截单")  # a guessed deadline: asked first
    question = bot.last_message(BUILDING_3)
    yes = buttons_of(question)["✅ 对"]
    await bot.press(BUILDING_3, question["message_id"], LEADER, yes)  # answered: the buy opens
    assert len(await bot.services.groupbuys.open_buys()) == 2
    assert "reply_markup" not in bot.api.messages[(BUILDING_3, question["message_id"])]
    await bot.press(BUILDING_3, question["message_id"], LEADER, yes)
    assert last_popup(bot)["text"] == GONE
    assert len(await bot.services.groupbuys.open_buys()) == 2

    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬缓释胶囊 2盒")
    listing = private_list(bot)
    confirm = buttons_of(listing)["✅ 确认"]
    await bot.press(RESIDENT.id, listing["message_id"], RESIDENT, confirm)
    assert (await bot.services.medicine.get(1)).status == "open"
    await bot.press(RESIDENT.id, listing["message_id"], RESIDENT, confirm)  # the list now shows ✖ only
    assert last_popup(bot)["text"] == GONE


async def test_after_a_restart_a_real_button_works_and_a_forged_one_does_not(config, clock):
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        await setup(Harness(app, api))
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        plus = buttons_of(board(bot))["+1"]
        await bot.press(BUILDING_3, board(bot)["message_id"], NEIGHBOUR, plus)
        await bot.press(BUILDING_5, bot.last_message(BUILDING_5)["message_id"], RESIDENT, plus)
        assert last_popup(bot)["text"] == GONE
        assert await quantities(bot) == {"3-601": 1}


async def test_buttons_untouched_for_30_days_are_forgotten_at_start_up(config, clock):
    api = LocalBotApi()
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        await setup(Harness(app, api))
    clock.set(clock.now() + timedelta(days=31))
    async with running(build_application(config, LocalRequest(api), clock=clock)) as app:
        bot = Harness(app, api)
        await bot.press(BUILDING_3, board(bot)["message_id"], NEIGHBOUR, buttons_of(board(bot))["+1"])
        assert last_popup(bot)["text"] == GONE
        assert await quantities(bot) == {}
