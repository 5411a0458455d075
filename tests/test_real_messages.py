"""Messages as residents really send them, through the real Application: photo captions, chatter
that mentions a tag, forwarded messages, questions about a command, traditional characters."""

from bot.texts.i18n import t
from tests.harness import BUILDING_3, COMMITTEE, NEIGHBOUR, RESIDENT, Harness

PRESCRIPTION = "AgACAgUAAxkBAAIBprescription"


async def setup(bot: Harness) -> None:
    await bot.send(BUILDING_3, COMMITTEE, "#绑定 3号楼")
    await bot.send(BUILDING_3, RESIDENT, "#登记 3-502")
    for user in (RESIDENT, COMMITTEE):
        await bot.send(user.id, user, "/start")  # they have opened a private chat with the bot


def photos_sent(bot: Harness, chat_id: int) -> list[str]:
    return [m["photo"][0]["file_id"] for m in bot.api.sent(chat_id) if "photo" in m]


async def test_a_prescription_photo_with_the_tag_as_caption_files_the_request_and_stays_private(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#配药 硝苯地平控释片 2盒 急", photo=PRESCRIPTION)
    request = await bot.services.medicine.get(1)
    assert [(i.name, i.quantity) for i in request.items] == [("硝苯地平控释片", 2)]
    assert request.urgent
    assert "配药单 #1 · 3-502 · 1 项" in bot.last(BUILDING_3)
    assert photos_sent(bot, BUILDING_3) == []  # the photo is never re-posted in the group

    await bot.press(RESIDENT.id, bot.last_message(RESIDENT.id)["message_id"], RESIDENT, "med:confirm:1")
    await bot.send(BUILDING_3, COMMITTEE, "#认领 1")
    # Whoever may read the private details gets the photo with them, privately.
    assert photos_sent(bot, COMMITTEE.id) == [PRESCRIPTION]
    assert photos_sent(bot, BUILDING_3) == []


async def test_a_photo_sent_in_private_after_the_list_is_kept_with_the_details(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 1盒")
    await bot.send(RESIDENT.id, RESIDENT, "处方在这里", photo=PRESCRIPTION)
    details = await bot.services.medicine.private_details(await bot.services.roster.actor(COMMITTEE.id), 1)
    assert details is not None and details.photo_file_id == PRESCRIPTION


async def test_chatter_that_mentions_a_tag_files_nothing(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "谁知道#配药 要怎么写？我写了没反应")
    await bot.send(BUILDING_3, NEIGHBOUR, "看到楼上说的#接龙 了吗")
    assert await bot.services.medicine.hospital_run(await bot.services.roster.actor(COMMITTEE.id)) is not None
    rows = await bot.services.db.fetchall("SELECT count(*) FROM med_requests")
    assert rows[0][0] == 0
    assert bot.texts(BUILDING_3)[-1] != t("zh", "parse.bad", usage=t("zh", "usage.med"))


async def test_asking_how_a_command_works_gets_its_form(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#配药 怎么用？")
    assert bot.last(BUILDING_3) == t("zh", "parse.bad", usage=t("zh", "usage.med"))


async def test_a_command_after_a_greeting_line_and_with_a_room_before_the_tag(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "各位邻居好\n#配药 布洛芬 1盒")
    await bot.send(BUILDING_3, RESIDENT, "3-502 #配药 二甲双胍 2盒")
    first, second = (await bot.services.medicine.get(1)), (await bot.services.medicine.get(2))
    assert [i.name for i in first.items] == ["布洛芬"]
    assert (second.household, [i.name for i in second.items]) == ("3-502", ["二甲双胍"])


async def test_a_forwarded_request_is_the_forwarders(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#配药 布洛芬 1盒", forwarded_from=NEIGHBOUR)
    request = await bot.services.medicine.get(1)
    assert (request.requested_by, request.household) == (RESIDENT.id, "3-502")


async def test_english_hashtags_work_like_slash_commands(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "#med aspirin 2 boxes")
    request = await bot.services.medicine.get(1)
    assert [(i.name, i.quantity) for i in request.items] == [("aspirin", 2)]


async def test_a_list_written_before_the_tag_is_filed_and_shown_back_to_confirm(bot):
    await setup(bot)
    await bot.send(BUILDING_3, RESIDENT, "布洛芬2盒 感冒灵颗粒1盒 #配药 急")
    request = await bot.services.medicine.get(1)
    assert [(i.name, i.quantity) for i in request.items] == [("布洛芬", 2), ("感冒灵颗粒", 1)]
    assert request.urgent
    assert "布洛芬 ×2盒" in bot.last(RESIDENT.id)  # the list goes back to the resident to confirm
